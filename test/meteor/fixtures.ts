/** A very small Meteor and a few rendered samples, shared by the Meteor tests. */
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";
import { buildTokenizer, type Tokenizer } from "../../src/lib/data/tokenizer.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { TEMPLATE_TEXTS } from "../../src/lib/meteor/prompts.ts";
import { IMAGE_SIZE } from "./micro-config.ts";

export { IMAGE_SIZE, microConfig, microConfigInput } from "./micro-config.ts";

export async function microData(n: number, split: "train" | "validation" | "test" = "train"): Promise<{ items: BatchItem[]; tokenizer: Tokenizer }> {
  const samples = generateDataset({ n, seed: 3, split });
  const tokenizer = buildTokenizer([...generateDataset({ n: 400, seed: 3 }).flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
  const items = await Promise.all(
    samples.map(async (sample) => (sample.image ? { sample, pixels: (await renderImage(sample.image, { size: IMAGE_SIZE })).pixels } : { sample })),
  );
  return { items, tokenizer };
}
