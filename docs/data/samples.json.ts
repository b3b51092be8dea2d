/**
 * Loader: generated question–rationale–answer triples for the Data explorer — 12 per
 * family per split (seed 0), each image rasterised at 64 px and inlined as a PNG data URL
 * (null for the text-only family). JSON on stdout; progress on stderr; non-zero exit on failure.
 */
import { FAMILIES, SPLITS, generateDataset } from "../../src/lib/data/index.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";

const PER_FAMILY = 12;
const IMAGE_SIZE = 64;
const SEED = 0;

try {
  const out = [];
  for (const split of SPLITS) {
    for (const family of FAMILIES) {
      const samples = generateDataset({ families: [family], split, n: PER_FAMILY, seed: SEED });
      for (const s of samples) {
        const image = s.image ? `data:image/png;base64,${Buffer.from((await renderImage(s.image, { size: IMAGE_SIZE })).png).toString("base64")}` : null;
        out.push({ id: s.id, family: s.family, split: s.split, template: s.template, question: s.question, rationale: s.rationale, answer: s.answer, image });
      }
      process.stderr.write(`samples: ${split} ${family} ×${samples.length}\n`);
    }
  }
  process.stdout.write(JSON.stringify({ seed: SEED, imageSize: IMAGE_SIZE, samples: out }));
} catch (err) {
  process.stderr.write(`samples loader failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
