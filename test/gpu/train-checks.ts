/**
 * The whole training graph on one backend, as a trajectory that can be compared across
 * backends: a micro Meteor (`microConfig`, 4 `<tor>`) trained from seed-0 weights through
 * pretrain, embed and answer (3 steps each), then validated, asked one question and read
 * back. Shared by the Node WebGPU test (Dawn) and the Chromium test (WebGPU, WebGL), whose
 * page gets the samples as plain JSON (`TrainPayload`) because it cannot render them.
 * The reference trajectory is the same function on `cpu`.
 */
import * as tf from "../../src/lib/tf.ts";
import { Tokenizer } from "../../src/lib/data/tokenizer.ts";
import type { BatchItem, SampleLike } from "../../src/lib/meteor/batch.ts";
import { generate } from "../../src/lib/meteor/generate.ts";
import { initMeteorVariables, structureParams } from "../../src/lib/meteor/params.ts";
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions } from "../../src/lib/train/trainer.ts";
import { compareAllclose } from "../helpers/allclose.ts";
import { microConfig } from "../meteor/micro-config.ts";

export interface Trajectory {
  backend: string;
  losses: number[];
  gradNorms: number[];
  weights: Record<string, number[]>;
  accuracy: number;
  validationLoss: number;
  /** Greedy answer ids to the first sample's question. */
  answer: number[];
  /** Live tensors before and after one mid-run step (optimizer moments already allocated). */
  tensors: [number, number];
  ms: number;
}

/** Samples, pixels and tokenizer as JSON, for a page. */
export interface TrainPayload {
  items: { sample: SampleLike; pixels: number[] | null }[];
  tokenizer: unknown;
}

export function toPayload(items: readonly BatchItem[], tokenizer: Tokenizer): TrainPayload {
  return {
    items: items.map((it) => ({ sample: { question: it.sample.question, rationale: it.sample.rationale, answer: it.sample.answer }, pixels: it.pixels ? Array.from(it.pixels) : null })),
    tokenizer: tokenizer.toJSON(),
  };
}

export const TRAJECTORY_OPTIONS: TrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  system: "meteor",
  seed: 1,
  steps: { pretrain: 3, embed: 3, answer: 3 },
  batchSize: 4,
  warmupSteps: 1,
  evalEvery: 0,
  lr: 3e-3,
};

/** Trains on the active backend and reads everything back (`await data()` only). */
export async function trainTrajectory(payload: TrainPayload): Promise<Trajectory> {
  const t0 = performance.now();
  const tokenizer = Tokenizer.fromJSON(payload.tokenizer);
  const items: BatchItem[] = payload.items.map((it) => (it.pixels ? { sample: it.sample, pixels: Float32Array.from(it.pixels) } : { sample: it.sample }));
  const cfg = microConfig(tokenizer.vocabSize, 4);
  const vars = initMeteorVariables(cfg, 0);
  const trainer = new Trainer(cfg, vars, tokenizer, { train: items, validation: items.slice(0, 4) }, TRAJECTORY_OPTIONS);
  let tensors: [number, number] = [0, 0];
  try {
    while (!trainer.finished) {
      const before = tf.memory().numTensors;
      const r = await trainer.step();
      if (r.stage === "answer" && r.stageStep === 2) tensors = [before, tf.memory().numTensors];
    }
    const v = await trainer.validate("answer", 3);
    const answer = (await generate(structureParams(vars), cfg, tokenizer, items[0]!, { system: "meteor", beams: 1, maxTokens: 4 })).ids;
    const weights: Record<string, number[]> = {};
    for (const [n, t] of Object.entries(vars)) weights[n] = Array.from(await t.data());
    return {
      backend: tf.getBackend(),
      losses: trainer.state.history.map((h) => h.loss),
      gradNorms: trainer.state.history.map((h) => h.gradNorm),
      weights,
      accuracy: v.accuracy!,
      validationLoss: v.loss,
      answer,
      tensors,
      ms: performance.now() - t0,
    };
  } finally {
    trainer.optimizer.dispose();
    tf.dispose(Object.values(vars));
  }
}

/**
 * Where `got` leaves `want`'s trajectory (empty when it does not). Both are float32 with
 * different summation orders: losses agree to 1e-4 relative, gradient norms to 1e-3; AdamW
 * moves each weight by ≈ lr per step whatever its gradient's size, so weights agree in
 * absolute terms (2e-4, against lr 3e-3 × 9 steps).
 */
export function trajectoryDifferences(got: Trajectory, want: Trajectory): string[] {
  const out: string[] = [];
  if (got.losses.length !== want.losses.length) return [`${got.losses.length} steps, expected ${want.losses.length}`];
  const losses = compareAllclose(got.losses, want.losses, { rtol: 1e-4, atol: 1e-5, name: "losses" });
  if (!losses.ok) out.push(losses.message);
  const norms = compareAllclose(got.gradNorms, want.gradNorms, { rtol: 1e-3, atol: 1e-5, name: "gradient norms" });
  if (!norms.ok) out.push(norms.message);
  for (const [n, w] of Object.entries(want.weights)) {
    const r = compareAllclose(got.weights[n] ?? [], w, { rtol: 1e-3, atol: 2e-4, name: n });
    if (!r.ok) out.push(r.message);
  }
  if (Math.abs(got.validationLoss - want.validationLoss) > 1e-3 * Math.abs(want.validationLoss)) out.push(`validation loss ${got.validationLoss}, expected ${want.validationLoss}`);
  if (got.accuracy !== want.accuracy) out.push(`validation accuracy ${got.accuracy}, expected ${want.accuracy}`);
  if (got.answer.join(",") !== want.answer.join(",")) out.push(`greedy answer ${got.answer}, expected ${want.answer}`);
  if (got.tensors[0] <= 0 || got.tensors[1] !== got.tensors[0]) out.push(`a step changed the live tensors ${got.tensors[0]} → ${got.tensors[1]}`);
  return out;
}

/** One line for the test log. */
export function trajectorySummary(got: Trajectory, want: Trajectory): string {
  const worst = Math.max(...Object.entries(want.weights).map(([n, w]) => compareAllclose(got.weights[n] ?? [], w).maxAbsDiff));
  return `micro Meteor, ${got.losses.length} steps: ${want.backend} ${want.ms.toFixed(0)} ms, ${got.backend} ${got.ms.toFixed(0)} ms; losses ${got.losses.map((x) => x.toFixed(4)).join(" ")}; max |Δloss| ${Math.max(...got.losses.map((x, i) => Math.abs(x - want.losses[i]!))).toExponential(1)}, max |Δw| ${worst.toExponential(1)}`;
}
