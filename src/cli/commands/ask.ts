/** `meteor ask --checkpoint DIR [--image PNG] --question "…"` — answer one question. */
import { readFile } from "node:fs/promises";
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { decodeImage } from "../../lib/data/render-node.ts";
import { generate } from "../../lib/meteor/generate.ts";
import * as tf from "../../lib/tf.ts";
import { BACKEND_OPTION, UsageError, intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { loadRun } from "../load-run.ts";

const HELP = `meteor ask --checkpoint DIR --question "…" [--image FILE.png] [--beams 3] [--json]

Answers with greedy decoding and with beam search (default 3 beams, as in the paper).
The image must be an RGB PNG of the model's size (e.g. 32×32 for tiny); without --image
the question is asked text-only.`;

export const askCommand: Command = {
  summary: "answer a question about an image with a trained checkpoint",
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { checkpoint: { type: "string" }, image: { type: "string" }, question: { type: "string" }, beams: { type: "string" }, json: { type: "boolean" }, ...BACKEND_OPTION },
      HELP,
    );
    if (!args) return;
    const { checkpoint, image, question } = args.values;
    if (typeof checkpoint !== "string") throw new UsageError(`--checkpoint is required\n\n${HELP}`);
    if (typeof question !== "string" || question.trim() === "") throw new UsageError(`--question is required\n\n${HELP}`);
    const beams = intFlag("beams", args.values.beams, 1) ?? 3;
    await initBackend({ backend: args.values.backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const run = await loadRun(checkpoint);
    try {
      const vocab = run.cfg.mlm.outputVocab; // one beam per token the MLM can write, at most
      if (beams > vocab) throw new UsageError(`--beams must be at most ${vocab} (the tokens this checkpoint's MLM can write), got ${beams}`);
      const pixels = typeof image === "string" ? await decodeImage(new Uint8Array(await readFile(image)), run.cfg.vision.imageSize) : undefined;
      const item = { sample: { question, rationale: "", answer: "" }, ...(pixels ? { pixels } : {}) };
      if (run.run.system === "oracle") throw new UsageError("the oracle baseline needs a rationale in its prompt; ask a meteor or mlm checkpoint");
      const decode = (ids: number[]) => run.tokenizer.decode(ids);
      const greedy = await generate(run.params, run.cfg, run.tokenizer, item, { system: run.run.system, beams: 1 });
      const beam = await generate(run.params, run.cfg, run.tokenizer, item, { system: run.run.system, beams });
      if (args.values.json) console.log(JSON.stringify({ greedy: decode(greedy.ids), beam: decode(beam.ids), beams }));
      else console.log(`greedy: ${decode(greedy.ids)}\nbeam search (${beams}): ${decode(beam.ids)}`);
    } finally {
      tf.dispose(Object.values(run.weights));
    }
  },
};
