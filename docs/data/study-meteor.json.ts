/**
 * Loader: the shipped study Meteor checkpoint (`data/checkpoints/study-meteor/`, the one
 * `latest.json` names) for the Ask and Inside Mamba pages — its files base64-encoded, to be read
 * in the browser by the library's `deserializeCheckpoint` — plus probe samples: the first
 * 16 test-split samples of the checkpoint's data seed (4 per family), with their images
 * rendered at the checkpoint's image size as the trainer renders them.
 * No checkpoint: `{"checkpoint": null}` and the page says how to train one.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateDataset } from "../../src/lib/data/index.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";

const RUN = fileURLToPath(new URL("../../data/checkpoints/study-meteor/", import.meta.url));
const FILES = ["config.json", "model.safetensors", "tokenizer.json", "state.json"];
const PROBES = 16;

/**
 * A checkpoint file, base64. An ablation cell's run (the study's checkpoints are cells) keeps
 * the trainer's state under `trainer`, beside the cell's timing: the page gets the trainer's
 * state, as `meteor train` writes it.
 */
function fileBase64(dir: string, file: string): string {
  const bytes = readFileSync(dir + file);
  if (file !== "state.json") return bytes.toString("base64");
  const state = JSON.parse(bytes.toString("utf8")) as { trainer?: unknown };
  return Buffer.from(JSON.stringify(state.trainer ?? state)).toString("base64");
}

try {
  if (!existsSync(`${RUN}latest.json`)) {
    process.stderr.write("study-meteor: no checkpoint in data/checkpoints/study-meteor\n");
    process.stdout.write(JSON.stringify({ checkpoint: null }));
  } else {
    const { checkpoint } = JSON.parse(readFileSync(`${RUN}latest.json`, "utf8")) as { checkpoint: string };
    const dir = `${RUN}${checkpoint}/`;
    const files = Object.fromEntries(FILES.filter((f) => existsSync(dir + f)).map((f) => [f, fileBase64(dir, f)]));
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
    process.stderr.write(`study-meteor: ${checkpoint}, ${Object.keys(files).length} files, ${probes.length} probes at ${size} px\n`);
    process.stdout.write(JSON.stringify({ run: "study-meteor", checkpoint, imageSize: size, dataSeed: seed, files, probes }));
  }
} catch (err) {
  process.stderr.write(`study-meteor loader: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
