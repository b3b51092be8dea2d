/**
 * `meteor eval --checkpoint DIR [--json]` — exact-match accuracy per family and overall on
 * the test split, with Wilson 95% intervals, and for Meteor the Fig. 4 `<tor>` similarity
 * (with vs without rationale).
 */
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { placeTor } from "../../lib/data/insert-tor.ts";
import { familyInfo } from "../../lib/data/dataset.ts";
import type { Family } from "../../lib/data/sample.ts";
import { evaluate } from "../../lib/train/evaluate.ts";
import { IMAGE_MODES, withImages, type ImageMode } from "../../lib/train/image-ablation.ts";
import { imageFeatureSpread, type ImageFeatureSpread } from "../../lib/train/image-spread.ts";
import { scoreOf, scoresBy, type Score } from "../../lib/train/score.ts";
import { torSimilarity } from "../../lib/train/tor-similarity.ts";
import * as tf from "../../lib/tf.ts";
import { BACKEND_OPTION, UsageError, intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { renderItems, runSamples } from "../datasets.ts";
import { runPriorCorrect } from "../../lib/train/run-data.ts";
import { loadRun } from "../load-run.ts";

const HELP = `meteor eval --checkpoint DIR [--json] [--n N] [--images real|blank|shuffled] [--similarity-n N] [--backend NAME]

Scores the checkpoint's system on the test split of its run (same data seed):
exact-match accuracy per family, per tier and overall with 95% Wilson intervals, beside
the template prior (each question template's most frequent training answer); the spread
of the image features across images; for Meteor, the cosine similarity of <tor> features
with vs without the rationale (paper Fig. 4).
  --n N              test samples (default: the run's testSize)
  --images MODE      real (default); blank: every image white; shuffled: each question
                     gets another sample's image (does the model read its images?)
  --similarity-n N   samples in the similarity matrix (default 32)`;

export interface EvalReport {
  system: string;
  checkpoint: string;
  images: ImageMode;
  overall: Score;
  families: Record<string, Score>;
  tiers: Record<string, Score>;
  /** The template prior on the same questions (fitted on the run's training samples). */
  prior: { overall: Score; families: Record<string, Score>; tiers: Record<string, Score> };
  /** Spread of the (real) images' features: 0 = every image gives the same features. */
  imageFeatureSpread: ImageFeatureSpread | null;
  torSimilarity?: { diagonal: number; offDiagonal: number; matrix: number[][] };
}

export const evalCommand: Command = {
  summary: "accuracy per family with 95% intervals, and <tor> similarity",
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { checkpoint: { type: "string" }, json: { type: "boolean" }, n: { type: "string" }, images: { type: "string" }, "similarity-n": { type: "string" }, ...BACKEND_OPTION },
      HELP,
    );
    if (!args) return;
    if (typeof args.values.checkpoint !== "string") throw new UsageError(`--checkpoint is required\n\n${HELP}`);
    const images = (args.values.images ?? "real") as ImageMode;
    if (!IMAGE_MODES.includes(images)) throw new UsageError(`--images must be ${IMAGE_MODES.join(", ")}, got "${String(args.values.images)}"`);
    const nFlag = intFlag("n", args.values.n, 1);
    const simN = intFlag("similarity-n", args.values["similarity-n"], 2) ?? 32; // an off-diagonal needs two
    await initBackend({ backend: args.values.backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const loaded = await loadRun(args.values.checkpoint);
    const { cfg, run, tokenizer, weights } = loaded;
    const n = nFlag ?? run.testSize;
    const samples = runSamples({ ...run, testSize: n }, "test");
    const items = await renderItems(samples, cfg.vision.imageSize, "render test");
    const result = await evaluate(cfg, weights, tokenizer, withImages(items, images, run.dataSeed), { system: run.system, batchSize: run.train.batchSize });
    const prior = runPriorCorrect(run, samples);
    const all = samples.map((_, i) => i);
    const report: EvalReport = {
      system: run.system,
      checkpoint: loaded.dir,
      images,
      overall: scoreOf(result.correct, all),
      families: scoresBy(result.correct, samples, (s) => s.family),
      tiers: scoresBy(result.correct, samples, (s) => s.tier),
      prior: { overall: scoreOf(prior, all), families: scoresBy(prior, samples, (s) => s.family), tiers: scoresBy(prior, samples, (s) => s.tier) },
      imageFeatureSpread: await imageFeatureSpread(cfg, weights, items),
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
    const line = (name: string, s: Score, p: Score | undefined) =>
      `${name.padEnd(12)} ${pct(s.accuracy).padStart(7)}  [${pct(s.ci95[0])}, ${pct(s.ci95[1])}]  n=${s.n}  template prior ${p ? pct(p.accuracy) : "–"}`;
    console.log(`system: ${report.system}  (${report.checkpoint}), images: ${images}`);
    for (const [f, s] of Object.entries(report.families)) console.log(`${line(f, s, report.prior.families[f])}  (uniform chance ${pct(familyInfo(f as Family).chance)})`);
    for (const [t, s] of Object.entries(report.tiers)) console.log(line(t, s, report.prior.tiers[t]));
    console.log(line("overall", report.overall, report.prior.overall));
    if (report.imageFeatureSpread) {
      console.log(`image feature spread over ${report.imageFeatureSpread.n} images: vision ${report.imageFeatureSpread.vision.toFixed(3)}, MLM projector ${report.imageFeatureSpread.mlmProjector.toFixed(3)}`);
    }
    if (report.torSimilarity) {
      console.log(`<tor> similarity with vs without rationale: diagonal ${report.torSimilarity.diagonal.toFixed(3)}, off-diagonal ${report.torSimilarity.offDiagonal.toFixed(3)}`);
    }
  },
};
