/** A very small Meteor and a few rendered samples, shared by the Meteor tests. */
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";
import { buildTokenizer, type Tokenizer } from "../../src/lib/data/tokenizer.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { resolveMeteorConfig, type MeteorConfig } from "../../src/lib/meteor/config.ts";
import { TEMPLATE_TEXTS } from "../../src/lib/meteor/prompts.ts";

export const IMAGE_SIZE = 8;

export function microConfig(vocabSize: number, numTor = 10): MeteorConfig {
  return resolveMeteorConfig({
    vocabSize,
    numTor,
    vision: { imageSize: IMAGE_SIZE, patchSize: 4, dModel: 16, nLayer: 1, nHead: 2, mlpDim: 32 },
    mamba: { dModel: 16, nLayer: 1, dState: 4 },
    mlm: { dModel: 16, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 32 },
  });
}

export async function microData(n: number, split: "train" | "validation" | "test" = "train"): Promise<{ items: BatchItem[]; tokenizer: Tokenizer }> {
  const samples = generateDataset({ n, seed: 3, split });
  const tokenizer = buildTokenizer([...generateDataset({ n: 400, seed: 3 }).flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
  const items = await Promise.all(
    samples.map(async (sample) => (sample.image ? { sample, pixels: (await renderImage(sample.image, { size: IMAGE_SIZE })).pixels } : { sample })),
  );
  return { items, tokenizer };
}
