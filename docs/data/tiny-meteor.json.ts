/**
 * Loader: the shipped tiny Meteor checkpoint (`data/checkpoints/tiny-meteor/`, the one
 * `latest.json` names) for the Inside Mamba page — its files base64-encoded, to be read
 * in the browser by the library's `deserializeCheckpoint` — plus probe samples: the first
 * 16 test-split samples of the checkpoint's data seed (4 per family), with their images
 * rendered at the checkpoint's image size as the trainer renders them.
 * No checkpoint: `{"checkpoint": null}` and the page says how to train one.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateDataset } from "../../src/lib/data/index.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";

const RUN = fileURLToPath(new URL("../../data/checkpoints/tiny-meteor/", import.meta.url));
const FILES = ["config.json", "model.safetensors", "tokenizer.json", "state.json"];
const PROBES = 16;

try {
  if (!existsSync(`${RUN}latest.json`)) {
    process.stderr.write("tiny-meteor: no checkpoint in data/checkpoints/tiny-meteor\n");
    process.stdout.write(JSON.stringify({ checkpoint: null }));
  } else {
    const { checkpoint } = JSON.parse(readFileSync(`${RUN}latest.json`, "utf8")) as { checkpoint: string };
    const dir = `${RUN}${checkpoint}/`;
    const files = Object.fromEntries(FILES.filter((f) => existsSync(dir + f)).map((f) => [f, readFileSync(dir + f).toString("base64")]));
    const config = JSON.parse(readFileSync(`${dir}config.json`, "utf8")) as { meteor: { vision: { imageSize: number } }; training?: { dataSeed?: number } };
    const size = config.meteor.vision.imageSize;
    const seed = config.training?.dataSeed ?? 0;
    const probes = [];
    for (const s of generateDataset({ n: PROBES, split: "test", seed })) {
      const image = s.image ? await renderImage(s.image, { size }) : null;
      probes.push({
        id: s.id,
        family: s.family,
        question: s.question,
        rationale: s.rationale,
        answer: s.answer,
        // [size, size, 3] bytes; pixels = byte / 255, exactly what the trainer feeds the model
        pixels: image ? Array.from(image.pixels, (p) => Math.round(p * 255)) : null,
        png: image ? `data:image/png;base64,${Buffer.from(image.png).toString("base64")}` : null,
      });
    }
    process.stderr.write(`tiny-meteor: ${checkpoint}, ${Object.keys(files).length} files, ${probes.length} probes at ${size} px\n`);
    process.stdout.write(JSON.stringify({ run: "tiny-meteor", checkpoint, imageSize: size, dataSeed: seed, files, probes }));
  }
} catch (err) {
  process.stderr.write(`tiny-meteor loader: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
