/** `meteor mamba --weights FILE.safetensors --ids 1,2,3 [--json]` — run a Mamba checkpoint. */
import { readFile } from "node:fs/promises";
import * as tf from "../../lib/tf.ts";
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { loadMambaCheckpoint } from "../../lib/io/hf-mamba.ts";
import { mambaLogits } from "../../lib/mamba/model.ts";
import { BACKEND_OPTION, UsageError, parseCommandArgs, parseIntList } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `meteor mamba --weights FILE.safetensors --ids 1,2,3 [--json] [--backend NAME]

Loads a Hugging Face MambaForCausalLM checkpoint (e.g. state-spaces/mamba-130m-hf's
model.safetensors, or BK-Lee/Meteor-Mamba's), inferring its config from the tensor shapes,
and prints the logits of every position and the greedy next token.
  --json       print {"logits": number[][], "next": number} instead of a summary
  --backend    tensorflow | webgpu | wasm | cpu (default: auto)`;

export const mambaCommand: Command = {
  summary: "run a Mamba safetensors checkpoint on token ids",
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { weights: { type: "string" }, ids: { type: "string" }, json: { type: "boolean" }, ...BACKEND_OPTION },
      HELP,
    );
    if (!args) return;
    const { weights, ids, json, backend } = args.values;
    if (typeof weights !== "string") throw new UsageError(`--weights is required\n\n${HELP}`);
    if (typeof ids !== "string") throw new UsageError(`--ids is required\n\n${HELP}`);
    const tokens = parseIntList("--ids", ids);
    await initBackend({ backend: backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const { config, params } = loadMambaCheckpoint(new Uint8Array(await readFile(weights)));
    const idsT = tf.tensor2d([tokens], [1, tokens.length], "int32");
    try {
      const logits = mambaLogits(params, config, idsT); // [1, l, v]
      const rows = (logits.arraySync() as number[][][])[0]!;
      logits.dispose();
      const last = rows[rows.length - 1]!;
      const next = last.reduce((best, v, i) => (v > last[best]! ? i : best), 0);
      if (json) {
        console.log(JSON.stringify({ logits: rows, next }));
      } else {
        console.log(`config: ${config.nLayer} layers, dModel ${config.dModel}, dState ${config.dState}, vocab ${config.vocabSize}`);
        rows.forEach((r, t) => {
          const top = r.reduce((best, v, i) => (v > r[best]! ? i : best), 0);
          console.log(`position ${t}: token ${tokens[t]} → argmax ${top} (logit ${r[top]!.toFixed(4)})`);
        });
        console.log(`next token (greedy): ${next}`);
      }
    } finally {
      idsT.dispose();
      tf.dispose(Object.values(params));
    }
  },
};
