/**
 * Soak: trains the tiny Meteor preset for many steps in one process (default 10,000;
 * --quick 300) and records `tf.memory().numTensors`, `tf.memory().numBytes` and the process
 * RSS every 500 steps (--quick: 50), at each stage's last step, and before the first step.
 *
 * The three stages (pretrain, embed, answer) split the steps in the tiny run preset's
 * proportions (250 : 120 : 200). Each stage trains its own parts, so its AdamW moments
 * differ in number and the tensor count legitimately changes between stages; the checks are
 * (1) within a stage, numTensors never exceeds its value at the stage's first sample, and
 * (2) after the last step (which disposes the optimizer) numTensors is back to its value
 * before the first step; (3) the process RSS never exceeds `RSS_BOUND` (1.25) times its value
 * at the first sample after training began (the JS heap and the wasm memory grow on their own
 * schedule during warm-up and at stage changes; a steady climb past that is a leak). A
 * checkpoint is serialised in memory at every sample, as `meteor train` would write one.
 *
 * The bench fails (after printing its table to stderr) when either check fails.
 */
import * as tf from "../src/lib/tf.ts";
import { generateDataset } from "../src/lib/data/dataset.ts";
import { renderImage } from "../src/lib/data/render-node.ts";
import { buildTokenizer } from "../src/lib/data/tokenizer.ts";
import { serializeCheckpoint } from "../src/lib/io/meteor-checkpoint.ts";
import type { BatchItem } from "../src/lib/meteor/batch.ts";
import { METEOR_PRESETS, meteorPreset } from "../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../src/lib/meteor/params.ts";
import { TEMPLATE_TEXTS } from "../src/lib/meteor/prompts.ts";
import { RUN_PRESETS, resolveRunConfig } from "../src/lib/train/run-config.ts";
import type { Stage } from "../src/lib/train/stages.ts";
import { Trainer } from "../src/lib/train/trainer.ts";
import type { BenchOptions } from "./options.ts";

export interface SoakRow {
  bench: "soak";
  /** The stage of the step just taken ("start" before the first). */
  stage: Stage | "start";
  /** Steps taken so far (all stages). */
  step: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
}

export interface SoakBenchOptions extends BenchOptions {
  /** Steps in all. Default 10,000 (--quick: 300). */
  steps?: number;
  /** Sample every this many steps. Default 500 (--quick: 50). */
  every?: number;
}

export interface SoakBenchResult {
  rows: SoakRow[];
  /** What grew, one line each; empty when the run held steady. */
  problems: string[];
}

/** Splits `total` steps over the stages in the tiny run preset's proportions. */
function stageSteps(total: number): Record<Stage, number> {
  const p = RUN_PRESETS.tiny!.steps!;
  const w = { pretrain: p.pretrain!, embed: p.embed!, answer: p.answer! };
  const sum = w.pretrain + w.embed + w.answer;
  const pretrain = Math.round((total * w.pretrain) / sum);
  const embed = Math.round((total * w.embed) / sum);
  return { perceive: 0, pretrain, embed, answer: total - pretrain - embed };
}

export async function runSoakBench(opts: SoakBenchOptions): Promise<SoakBenchResult> {
  const total = opts.steps ?? (opts.quick ? 300 : 10_000);
  const every = opts.every ?? (opts.quick ? 50 : 500);
  const run = resolveRunConfig({ preset: "tiny", trainSize: opts.quick ? 128 : 2000, validationSize: 8, testSize: 8, steps: stageSteps(total) });
  const samples = generateDataset({ n: run.trainSize, seed: run.dataSeed, split: "train", families: run.families });
  const tokenizer = buildTokenizer([...samples.flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
  const cfg = meteorPreset(run.preset, { vocabSize: tokenizer.vocabSize, numTor: run.numTor });
  opts.log(`soak: rendering ${samples.length} training images`);
  const train: BatchItem[] = [];
  for (const sample of samples) train.push(sample.image ? { sample, pixels: (await renderImage(sample.image, { size: cfg.vision.imageSize })).pixels } : { sample });

  const vars = initMeteorVariables(cfg, run.seed);
  const trainer = new Trainer(cfg, vars, tokenizer, { train, validation: [] }, run.train);
  opts.log(`soak: ${trainer.stages.map((s) => `${s} ${trainer.stageSteps(s)}`).join(", ")} steps, batch ${run.train.batchSize}, sampling every ${every}`);

  const rows: SoakRow[] = [];
  const sample = (stage: SoakRow["stage"], step: number) => {
    if (stage !== "start") {
      const meteorInput = { ...METEOR_PRESETS.tiny, vocabSize: tokenizer.vocabSize, numTor: run.numTor };
      const optimizer = trainer.optimizer.state.step > 0 ? { optimizer: trainer.optimizer.state } : {};
      serializeCheckpoint({ config: meteorInput, params: vars, tokenizer: tokenizer.toJSON(), state: trainer.state, ...optimizer });
    }
    const { numTensors, numBytes } = tf.memory();
    rows.push({ bench: "soak", stage, step, numTensors, numBytes, rssMB: process.memoryUsage().rss / 2 ** 20 });
  };

  sample("start", 0);
  const t0 = performance.now();
  while (!trainer.finished) {
    const r = await trainer.step();
    if (r.globalStep % every === 0 || r.stageStep === r.stageSteps) {
      sample(r.stage, r.globalStep);
      const last = rows[rows.length - 1]!;
      const secs = (performance.now() - t0) / 1000;
      opts.log(`soak: step ${r.globalStep}/${total} (${r.stage}) loss ${r.loss.toFixed(3)}  tensors ${last.numTensors}  ${(last.numBytes / 2 ** 20).toFixed(1)} MB  rss ${last.rssMB.toFixed(0)} MB  ${(secs / r.globalStep).toFixed(2)} s/step`);
    }
  }
  tf.dispose(Object.values(vars));

  const problems = soakProblems(rows);
  if (problems.length > 0) {
    opts.log(formatSoakTable({ rows, problems }));
    throw new Error(`soak: tensors grew during training: ${problems.join("; ")}`);
  }
  return { rows, problems };
}

/** Bound of check (3): RSS relative to the first sample after training began. */
export const RSS_BOUND = 1.25;

/** Checks (1), (2) and (3) of the header. */
export function soakProblems(rows: readonly SoakRow[]): string[] {
  const problems: string[] = [];
  const firstOfStage = new Map<string, SoakRow>();
  for (const r of rows) {
    const first = firstOfStage.get(r.stage);
    if (first === undefined) firstOfStage.set(r.stage, r);
    else if (r.numTensors > first.numTensors) problems.push(`${r.stage}: ${first.numTensors} tensors at step ${first.step}, ${r.numTensors} at step ${r.step}`);
  }
  const start = rows[0];
  const end = rows[rows.length - 1];
  if (start && end && end !== start && end.numTensors !== start.numTensors) {
    problems.push(`${start.numTensors} tensors before the first step, ${end.numTensors} after the last (optimizer disposed)`);
  }
  const warm = rows.find((r) => r.stage !== "start");
  const peak = rows.reduce<SoakRow | undefined>((p, r) => (r.stage !== "start" && (!p || r.rssMB > p.rssMB) ? r : p), undefined);
  if (warm && peak && peak.rssMB > RSS_BOUND * warm.rssMB) {
    problems.push(`rss ${peak.rssMB.toFixed(0)} MB at step ${peak.step} > ${RSS_BOUND} × ${warm.rssMB.toFixed(0)} MB at step ${warm.step}`);
  }
  return problems;
}

export function formatSoakTable(result: SoakBenchResult): string {
  const head = ["stage", "step", "numTensors", "numBytes MB", "rss MB"];
  const lines = result.rows.map((r) => [r.stage, String(r.step), String(r.numTensors), (r.numBytes / 2 ** 20).toFixed(2), r.rssMB.toFixed(0)]);
  const first = result.rows[0];
  const last = result.rows[result.rows.length - 1];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const verdict =
    result.problems.length > 0
      ? `GROWTH: ${result.problems.join("; ")}`
      : first && last
        ? `steady: ${first.numTensors} → ${last.numTensors} tensors, rss ${first.rssMB.toFixed(0)} → ${last.rssMB.toFixed(0)} MB`
        : "";
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt), verdict].join("\n");
}
