/**
 * Scaling with sequence length: forward + backward time and memory of the Mamba embedder
 * against a causal-attention embedder of the same width and about the same parameter
 * count, batch 1, L = 128, 256, …, 8192 (--quick: up to 1024). The paper's argument for a
 * Mamba rationale embedder is that its cost grows linearly in L where attention's grows
 * quadratically; the fitted exponent (least-squares slope of log time against log L over
 * the last three lengths measured) says how each grows here.
 *
 *   mamba      Meteor-Mamba's backbone at the `small` preset's size (dModel 96, 3 layers,
 *              dState 16): nLayer × (x + mixer(rmsNorm x)) → rmsNorm, the scan on the
 *              registered kernel (native or JS)
 *   attention  the project's MLM decoder blocks (src/lib/mlm: RMSNorm, rotary, causal
 *              multi-head attention, SwiGLU) at the same dModel and nLayer, 4 heads, the
 *              SwiGLU width chosen so the backbones' parameter counts match (printed; within 10%)
 *
 * Both take input embeddings [1, L, d] (no token embedding: it costs the same for both and
 * is not what differs) and train every backbone parameter: loss = mean(hidden²).
 * Per length: one untimed run, then `repeats` timed runs (the fastest is reported: the
 * machine is shared), then one run under `tf.profile` for memory:
 *   peakBytes    tf.profile's peak of live tensor bytes during forward + backward, minus
 *                the bytes live before it (weights and inputs excluded)
 *   tensorBytes  tensor bytes alive at the end of the forward, over the same baseline: the
 *                activations the tape keeps for the backward
 * A model's series stops, with a note row, when its next length is predicted to need more
 * than `budgetBytes` (default 3 GiB, under the wasm backend's 4 GiB heap; the prediction
 * multiplies the last peak by its growth over the previous length, clamped to ×2…×4 per
 * doubling) or more than `maxSecondsPerPoint` for one timed run (default 20 s, same
 * prediction on time).
 */
import * as tf from "../src/lib/tf.ts";
import { resolveMambaConfig, type MambaConfig } from "../src/lib/mamba/config.ts";
import { mambaBackbone } from "../src/lib/mamba/model.ts";
import { countMambaParams, initMambaParams } from "../src/lib/mamba/params.ts";
import { METEOR_PRESETS } from "../src/lib/meteor/config.ts";
import { resolveMlmConfig, type MlmConfig } from "../src/lib/mlm/config.ts";
import { mlmBackbone } from "../src/lib/mlm/model.ts";
import { countMlmParams, initMlmParams } from "../src/lib/mlm/params.ts";
import { mulberry32, normalValues } from "../src/lib/nn/init.ts";
import type { BenchOptions } from "./options.ts";

export type ScalingModel = "mamba" | "attention";

export interface ScalingRow {
  bench: "scaling";
  model: ScalingModel;
  /** Sequence length L (batch 1). */
  length: number;
  /** Backbone parameters (token embedding excluded). */
  params: number;
  /** Forward + backward, fastest of the timed runs; absent on a note row. */
  ms?: number;
  peakBytes?: number;
  tensorBytes?: number;
  /** Why the series stops here (this length was not run). */
  note?: string;
}

export interface ScalingFit {
  model: ScalingModel;
  /** Slope of log(ms) against log(L) over `lengths`. */
  exponent: number;
  lengths: number[];
}

export interface ScalingBenchOptions extends BenchOptions {
  /** Default 128 … 8192 by doubling (--quick: … 1024). */
  lengths?: number[];
  /** Timed runs per length. Default 2. */
  repeats?: number;
  /** Stop a series before a length predicted to need more tensor memory than this. Default 3 GiB. */
  budgetBytes?: number;
  /** Stop a series before a length predicted to take longer than this per run. Default 20. */
  maxSecondsPerPoint?: number;
}

export interface ScalingBenchResult {
  rows: ScalingRow[];
  fits: ScalingFit[];
  notes: string[];
}

/** Least-squares slope of log y against log x: the exponent k of y ∝ x^k. */
export function fitExponent(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) throw new Error(`fitExponent needs two or more (x, y) pairs, got ${xs.length} and ${ys.length}`);
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** The next value of a series growing with L, from its last two points: ×(growth per L-ratio), at least linear, at most quadratic. */
export function predictNext(prev: { length: number; value: number } | undefined, last: { length: number; value: number }, nextLength: number): number {
  const r = nextLength / last.length;
  if (!prev) return last.value * r * r;
  const k = Math.log(last.value / prev.value) / Math.log(last.length / prev.length);
  const clamped = Math.min(2, Math.max(1, Number.isFinite(k) ? k : 2));
  return last.value * r ** clamped;
}

/** The scaling bench's two models: the `small` preset's Mamba and MLM blocks matched to it. */
export function scalingModels(): { mamba: MambaConfig; attention: MlmConfig } {
  const m = METEOR_PRESETS.small.mamba;
  const mamba = resolveMambaConfig({ ...m, vocabSize: 2 });
  const d = mamba.dModel;
  const perLayer = (countMambaParams(mamba) - mamba.vocabSize * d - d) / mamba.nLayer; // without embedding and final norm
  const attentionFixed = 4 * d * d + 2 * d; // wqkv (h = kv) + wo + two norms
  const ffnDim = Math.max(1, Math.round((perLayer - attentionFixed) / (3 * d))); // SwiGLU: w1, w3, w2
  const attention = resolveMlmConfig({ dModel: d, nLayer: mamba.nLayer, nHead: 4, nKvHead: 4, ffnDim, vocabSize: 2 });
  return { mamba, attention };
}

/** Backbone parameters (embedding and output head excluded). */
export function backboneParams(models: ReturnType<typeof scalingModels>): Record<ScalingModel, number> {
  const { mamba, attention } = models;
  return {
    mamba: countMambaParams(mamba) - mamba.vocabSize * mamba.dModel,
    attention: countMlmParams(attention) - attention.vocabSize * attention.dModel - attention.outputVocab * attention.dModel,
  };
}

interface Runner {
  vars: tf.Variable[];
  /** x: [1, L, d] → final-normed hidden [1, L, d] */
  forward(x: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

function runnerOf(model: ScalingModel, models: ReturnType<typeof scalingModels>): Runner {
  const drop = (rec: Record<string, tf.Variable>, names: string[]) => {
    tf.dispose(names.map((n) => rec[n]!));
    for (const n of names) delete rec[n];
    return rec;
  };
  if (model === "mamba") {
    const params = drop(initMambaParams(models.mamba, 1), ["backbone.embeddings.weight"]);
    return { vars: Object.values(params), forward: (x) => mambaBackbone(params, models.mamba, x).hidden, dispose: () => tf.dispose(Object.values(params)) };
  }
  const params = drop(initMlmParams(models.attention, 2), ["model.tok_embeddings.weight", "output.weight"]);
  return { vars: Object.values(params), forward: (x) => mlmBackbone(params, models.attention, x).hidden, dispose: () => tf.dispose(Object.values(params)) };
}

/** One forward + backward; returns the tensor bytes alive at the end of the forward, above `base`. */
function forwardBackward(runner: Runner, x: tf.Tensor3D, base: number): number {
  let held = 0;
  const { value, grads } = tf.variableGrads(() => {
    const loss = tf.tidy(() => runner.forward(x).square().mean() as tf.Scalar);
    held = tf.memory().numBytes - base;
    return loss;
  }, runner.vars);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  return held;
}

export async function runScalingBench(opts: ScalingBenchOptions): Promise<ScalingBenchResult> {
  const maxL = opts.quick ? 1024 : 8192;
  const lengths = opts.lengths ?? Array.from({ length: Math.log2(maxL / 128) + 1 }, (_, i) => 128 * 2 ** i);
  const repeats = opts.repeats ?? 2;
  const budget = opts.budgetBytes ?? 3 * 2 ** 30;
  const maxMs = (opts.maxSecondsPerPoint ?? 20) * 1000;
  const models = scalingModels();
  const params = backboneParams(models);
  const mismatch = Math.abs(params.attention / params.mamba - 1);
  const notes = [
    `mamba: dModel ${models.mamba.dModel}, ${models.mamba.nLayer} layers, dState ${models.mamba.dState}, ${params.mamba} params; ` +
      `attention: dModel ${models.attention.dModel}, ${models.attention.nLayer} layers, ${models.attention.nHead} heads, ffn ${models.attention.ffnDim}, ${params.attention} params (${(100 * mismatch).toFixed(1)}% apart)`,
    `${tf.getBackend()} backend; time = fastest of ${repeats}; budget ${(budget / 2 ** 30).toFixed(2)} GiB, ${maxMs / 1000} s per run`,
  ];
  if (mismatch > 0.1) throw new Error(`scaling: parameter counts differ by ${(100 * mismatch).toFixed(1)}% (mamba ${params.mamba}, attention ${params.attention})`);
  const rows: ScalingRow[] = [];
  const fits: ScalingFit[] = [];
  const rand = mulberry32(7);
  for (const model of ["mamba", "attention"] as const) {
    const runner = runnerOf(model, models);
    const series: ScalingRow[] = [];
    try {
      for (const L of lengths) {
        const last = series[series.length - 1];
        const prev = series[series.length - 2];
        if (last) {
          const bytes = predictNext(prev && { length: prev.length, value: prev.peakBytes! }, { length: last.length, value: last.peakBytes! }, L);
          const ms = predictNext(prev && { length: prev.length, value: prev.ms! }, { length: last.length, value: last.ms! }, L);
          const why = bytes > budget ? `predicted peak ${(bytes / 2 ** 20).toFixed(0)} MiB > budget ${(budget / 2 ** 20).toFixed(0)} MiB` : ms > maxMs ? `predicted ${(ms / 1000).toFixed(0)} s per run > ${maxMs / 1000} s` : null;
          if (why) {
            rows.push({ bench: "scaling", model, length: L, params: params[model], note: `stopped: ${why}` });
            opts.log(`scaling: ${model} L=${L} skipped: ${why}`);
            break;
          }
        }
        const d = models.mamba.dModel;
        const x = tf.tensor3d(normalValues(rand, L * d, 1), [1, L, d]); // [1, L, d]
        const base = tf.memory().numBytes;
        forwardBackward(runner, x, base); // untimed
        let best = Infinity;
        for (let r = 0; r < repeats; r++) {
          const t0 = performance.now();
          forwardBackward(runner, x, base);
          best = Math.min(best, performance.now() - t0);
        }
        let tensorBytes = 0;
        const profile = await tf.profile(() => {
          tensorBytes = forwardBackward(runner, x, base);
        });
        x.dispose();
        const row: ScalingRow = { bench: "scaling", model, length: L, params: params[model], ms: best, peakBytes: profile.peakBytes - base, tensorBytes };
        series.push(row);
        rows.push(row);
        opts.log(`scaling: ${model} L=${L}: ${best.toFixed(1)} ms, peak ${(row.peakBytes! / 2 ** 20).toFixed(1)} MiB, held ${(tensorBytes / 2 ** 20).toFixed(1)} MiB`);
      }
    } finally {
      runner.dispose();
    }
    const tail = series.slice(-3);
    if (tail.length >= 2) fits.push({ model, exponent: fitExponent(tail.map((r) => r.length), tail.map((r) => r.ms!)), lengths: tail.map((r) => r.length) });
  }
  return { rows, fits, notes };
}

export function formatScalingTable(result: ScalingBenchResult): string {
  const byLength = [...new Set(result.rows.map((r) => r.length))].sort((a, b) => a - b);
  const cell = (model: ScalingModel, L: number) => result.rows.find((r) => r.model === model && r.length === L);
  const mib = (b: number | undefined) => (b === undefined ? "" : (b / 2 ** 20).toFixed(1));
  const head = ["L", "mamba ms", "attn ms", "attn ÷ mamba", "mamba peak MiB", "attn peak MiB", "mamba held MiB", "attn held MiB"];
  const lines = byLength.map((L) => {
    const m = cell("mamba", L);
    const a = cell("attention", L);
    const ms = (r: ScalingRow | undefined) => (r?.ms !== undefined ? r.ms.toFixed(1) : r?.note ? "stopped" : "");
    const ratio = m?.ms !== undefined && a?.ms !== undefined ? `${(a.ms / m.ms).toFixed(2)}×` : "";
    return [String(L), ms(m), ms(a), ratio, mib(m?.peakBytes), mib(a?.peakBytes), mib(m?.tensorBytes), mib(a?.tensorBytes)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  const fits = result.fits.map((f) => `${f.model}: time ∝ L^${f.exponent.toFixed(2)} (fit over L = ${f.lengths.join(", ")})`);
  const stops = result.rows.filter((r) => r.note).map((r) => `${r.model} L=${r.length}: ${r.note}`);
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt), ...fits, ...stops, ...result.notes].join("\n");
}
