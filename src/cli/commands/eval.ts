/**
 * `meteor eval --checkpoint DIR [--json]` — exact-match accuracy per family and overall on
 * the test split, with Wilson 95% intervals, and for Meteor the Fig. 4 `<tor>` similarity
 * (with vs without rationale).
 */
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { placeTor } from "../../lib/data/insert-tor.ts";
import { familyInfo } from "../../lib/data/dataset.ts";
import type { Family } from "../../lib/data/sample.ts";
import { evaluate, wilson95 } from "../../lib/train/evaluate.ts";
import { torSimilarity } from "../../lib/train/tor-similarity.ts";
import * as tf from "../../lib/tf.ts";
import { BACKEND_OPTION, UsageError, intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { renderItems, runSamples } from "../datasets.ts";
import { loadRun } from "../load-run.ts";

const HELP = `meteor eval --checkpoint DIR [--json] [--n N] [--similarity-n N] [--backend NAME]

Scores the checkpoint's system on the test split of its run (same data seed):
exact-match accuracy per family and overall with 95% Wilson intervals; for Meteor, the
cosine similarity of <tor> features with vs without the rationale (paper Fig. 4).
  --n N              test samples (default: the run's testSize)
  --similarity-n N   samples in the similarity matrix (default 32)`;

export interface EvalReport {
  system: string;
  checkpoint: string;
  overall: { accuracy: number; ci95: [number, number]; n: number };
  families: Record<string, { accuracy: number; ci95: [number, number]; n: number }>;
  torSimilarity?: { diagonal: number; offDiagonal: number; matrix: number[][] };
}

export const evalCommand: Command = {
  summary: "accuracy per family with 95% intervals, and <tor> similarity",
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { checkpoint: { type: "string" }, json: { type: "boolean" }, n: { type: "string" }, "similarity-n": { type: "string" }, ...BACKEND_OPTION },
      HELP,
    );
    if (!args) return;
    if (typeof args.values.checkpoint !== "string") throw new UsageError(`--checkpoint is required\n\n${HELP}`);
    const nFlag = intFlag("n", args.values.n, 1);
    const simN = intFlag("similarity-n", args.values["similarity-n"], 2) ?? 32; // an off-diagonal needs two
    await initBackend({ backend: args.values.backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const loaded = await loadRun(args.values.checkpoint);
    const { cfg, run, tokenizer, weights } = loaded;
    const n = nFlag ?? run.testSize;
    const samples = runSamples({ ...run, testSize: n }, "test");
    const items = await renderItems(samples, cfg.vision.imageSize, "render test");
    const result = await evaluate(cfg, weights, tokenizer, items, { system: run.system, batchSize: run.train.batchSize });
    const score = (idx: number[]) => {
      const k = idx.filter((i) => result.correct[i]).length;
      return { accuracy: idx.length ? k / idx.length : Number.NaN, ci95: wilson95(k, idx.length), n: idx.length };
    };
    const families: EvalReport["families"] = {};
    for (const f of run.families) families[f] = score(samples.flatMap((s, i) => (s.family === f ? [i] : [])));
    const report: EvalReport = {
      system: run.system,
      checkpoint: loaded.dir,
      overall: score(items.map((_, i) => i)),
      families,
    };
    if (run.system === "meteor") {
      const sim = torSimilarity(cfg, weights, tokenizer, items.slice(0, simN), {
        placeTor: (r) => placeTor(r, { count: cfg.numTor, placement: run.train.placement, seed: run.seed }),
        batchSize: run.train.batchSize,
      });
      report.torSimilarity = sim;
    }
    tf.dispose(Object.values(weights));
    if (args.values.json) {
      const { torSimilarity: sim, ...rest } = report;
      console.log(JSON.stringify(sim ? { ...rest, torSimilarity: { diagonal: sim.diagonal, offDiagonal: sim.offDiagonal } } : rest));
      return;
    }
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const line = (name: string, s: { accuracy: number; ci95: [number, number]; n: number }) =>
      `${name.padEnd(12)} ${pct(s.accuracy).padStart(7)}  [${pct(s.ci95[0])}, ${pct(s.ci95[1])}]  n=${s.n}`;
    console.log(`system: ${report.system}  (${report.checkpoint})`);
    for (const [f, s] of Object.entries(families)) console.log(`${line(f, s)}  (uniform chance ${pct(familyInfo(f as Family).chance)})`);
    console.log(line("overall", report.overall));
    if (report.torSimilarity) {
      console.log(`<tor> similarity with vs without rationale: diagonal ${report.torSimilarity.diagonal.toFixed(3)}, off-diagonal ${report.torSimilarity.offDiagonal.toFixed(3)}`);
    }
  },
};
