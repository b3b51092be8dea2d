/**
 * The GPU scan checks, written once and run on every device (jax-js's habit): in Node on
 * Dawn (`scan-webgpu-node.test.ts`) and in headless Chromium on WebGPU and WebGL
 * (`scan-browser.test.ts`, which bundles this file). Each check runs the op on the active
 * backend with a given impl, reads everything back asynchronously (`await t.data()`: GPU
 * backends cannot read synchronously) and compares it with the float64 reference
 * (`reference.ts`): y, lastState, and the gradient of every present input for the loss
 * Σ y·dy + Σ lastState·dLastState. No vitest and no Node here.
 *
 * Tolerances (float32 on the GPU, float64 reference): |got − ref| ≤ atol + rtol·|ref|, with
 * atol scaled by the reference's largest magnitude for the gradients (summed over many
 * steps), looser for the long case, where float32 state errors build up over l steps.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "@tensorflow/tfjs-core";
import { selectiveScan } from "../../src/kernels/selective-scan/index.ts";
import type { ScanImpl } from "../../src/kernels/selective-scan/declaration.ts";
import type { ScanDims } from "../../src/kernels/selective-scan/reference.ts";
import { compareAllclose } from "../helpers/allclose.ts";
import {
  caseTensors,
  inputShape,
  makeCase,
  presentInputs,
  referenceBackward,
  referenceForward,
  scaledAtol,
  scanArgs,
  type CaseOptions,
  type FloatInput,
  type ScanCase,
} from "../kernels/scan-cases.ts";

export interface GpuShape extends CaseOptions {
  dims: ScanDims;
  chunkSize?: number;
  /** Gradients from y alone (lastState not part of the loss). */
  yOnly?: boolean;
  /** Long case: looser tolerances. */
  long?: boolean;
}

/** The cases: every optional input present and absent, padding, softplus on and off, one and many chunks. */
export const GPU_SHAPES: GpuShape[] = [
  { dims: { b: 1, l: 1, d: 1, n: 1 } },
  { dims: { b: 2, l: 1, d: 4, n: 3 }, z: true, h0: true, deltaBias: true },
  { dims: { b: 3, l: 37, d: 5, n: 3 }, chunkSize: 8, seed: 3 },
  { dims: { b: 3, l: 37, d: 5, n: 3 }, chunkSize: 5, z: true, deltaBias: true, h0: true, lengths: "random", seed: 4 },
  { dims: { b: 2, l: 64, d: 70, n: 16 }, chunkSize: 16, z: true, deltaBias: true, seed: 5 },
  { dims: { b: 2, l: 50, d: 3, n: 2 }, chunkSize: 1, h0: true, lengths: [50, 0], seed: 6 },
  { dims: { b: 2, l: 9, d: 3, n: 2 }, deltaSoftplus: false, z: true, h0: true, seed: 7 },
  { dims: { b: 2, l: 11, d: 3, n: 4 }, chunkSize: 4, h0: true, z: true, yOnly: true, seed: 11 },
  { dims: { b: 2, l: 1024, d: 2, n: 4 }, chunkSize: 32, z: true, deltaBias: true, h0: true, lengths: [1024, 999], long: true, seed: 14 },
];

/** Forward tolerances (y, lastState). */
export const FORWARD_TOL = { atol: 1e-5, rtol: 1e-4 };
/** Gradient tolerances; atol is scaled by max(1, max |ref|). */
export const GRAD_TOL = { atol: 5e-5, rtol: 5e-4 };
/** The long case (l = 1024): float32 accumulation over a thousand steps. */
export const LONG_TOL = { atol: 2e-4, rtol: 2e-3 };

export function shapeLabel(s: GpuShape): string {
  const { b, l, d, n } = s.dims;
  const extras = [s.z && "z", s.deltaBias && "bias", s.h0 && "h0", s.lengths && "lengths", s.deltaSoftplus === false && "no-softplus", s.yOnly && "y-only"];
  return `${b}×${l}×${d}×${n} chunk=${s.chunkSize ?? 64} ${extras.filter(Boolean).join(" ")}`.trim();
}

/** One compared tensor. */
export interface CheckResult {
  backend: string;
  impl: ScanImpl;
  /** The case (`shapeLabel`). */
  shape: string;
  /** "y", "lastState" or "d" + input name. */
  output: string;
  maxAbsDiff: number;
  atol: number;
  rtol: number;
  ok: boolean;
  /** allclose's message: the worst element and its index when not ok. */
  message: string;
}

async function values(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/** Runs `impl` on `c` forward and backward on the active backend; compares every output with the reference. */
export async function checkCase(shape: GpuShape, impl: ScanImpl): Promise<CheckResult[]> {
  const c: ScanCase = makeCase(shape.dims, shape);
  const backend = tf.getBackend();
  const label = shapeLabel(shape);
  const withLast = !shape.yOnly;
  const t = caseTensors(c);
  const lengths = c.lengths ? tf.tensor1d(c.lengths, "int32") : undefined;
  const dyT = tf.tensor(c.dy, inputShape("u", c.dims));
  const dLastT = tf.tensor(c.dLastState, inputShape("h0", c.dims));
  const opts = { impl, ...(shape.chunkSize ? { chunkSize: shape.chunkSize } : {}) };
  const results: CheckResult[] = [];
  const compare = (output: string, got: Float32Array, ref: ArrayLike<number>, tol: { atol: number; rtol: number }, scale: boolean) => {
    const atol = scale ? scaledAtol(ref, tol.atol) : tol.atol;
    const r = compareAllclose(got, ref, { atol, rtol: tol.rtol, name: `${backend} ${impl} ${label} ${output}` });
    results.push({ backend, impl, shape: label, output, maxAbsDiff: r.maxAbsDiff, atol, rtol: tol.rtol, ok: r.ok, message: r.message });
  };
  try {
    const fwd = selectiveScan({ ...scanArgs(c, t, lengths), ...opts, returnLastState: true });
    const ref = referenceForward(c);
    compare("y", await values(fwd.y), ref.y, shape.long ? LONG_TOL : FORWARD_TOL, false);
    compare("lastState", await values(fwd.lastState!), ref.lastState, shape.long ? LONG_TOL : FORWARD_TOL, false);
    tf.dispose([fwd.y, fwd.lastState!]);

    const names = presentInputs(c);
    const f = (...xs: Tensor[]) => {
      const named: Partial<Record<FloatInput, Tensor>> = {};
      names.forEach((k, i) => (named[k] = xs[i]));
      const out = selectiveScan({ ...scanArgs(c, named, lengths), ...opts, returnLastState: withLast });
      const loss = tf.sum(tf.mul(out.y, dyT));
      return withLast ? tf.add(loss, tf.sum(tf.mul(out.lastState!, dLastT))) : loss;
    };
    const grads = tf.grads(f)(names.map((k) => t[k]!));
    const refGrads = referenceBackward(c, withLast);
    for (const [i, k] of names.entries()) compare(`d${k}`, await values(grads[i]!), refGrads[k]!, shape.long ? LONG_TOL : GRAD_TOL, true);
    tf.dispose(grads);
  } finally {
    tf.dispose([...Object.values(t), dyT, dLastT, ...(lengths ? [lengths] : [])]);
  }
  return results;
}

/** Every case with `impl`. */
export async function checkAll(impl: ScanImpl, shapes: GpuShape[] = GPU_SHAPES): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const s of shapes) out.push(...(await checkCase(s, impl)));
  return out;
}

/** Bytes a forward outside any gradient holds at its peak, beyond what existed before, against its outputs and every state. */
export interface ForwardMemory {
  impl: ScanImpl;
  peakNewBytes: number;
  /** y [b, l, d] and lastState [b, d, n]. */
  outputBytes: number;
  /** Every state [b, l, d, n]: what a gradient needs on WebGL, and what inference must not hold. */
  everyStateBytes: number;
}

/** A forward for inference (no tape): tf.profile's peak over the call, from before its inputs' reads. */
export async function forwardMemory(impl: ScanImpl): Promise<ForwardMemory> {
  const dims = { b: 2, l: 64, d: 8, n: 16 };
  const c = makeCase(dims, { z: true, deltaBias: true, h0: true, lengths: [64, 40] });
  const t = caseTensors(c);
  const lengths = tf.tensor1d(c.lengths!, "int32");
  try {
    const before = tf.memory().numBytes;
    let out: { y: Tensor; lastState?: Tensor } | undefined;
    const info = await tf.profile(() => {
      out = selectiveScan({ ...scanArgs(c, t, lengths), impl, returnLastState: true });
      return [out.y, out.lastState!];
    });
    await out!.y.data();
    tf.dispose([out!.y, out!.lastState!]);
    const { b, l, d, n } = dims;
    return { impl, peakNewBytes: info.peakBytes - before, outputBytes: 4 * (b * l * d + b * d * n), everyStateBytes: 4 * b * l * d * n };
  } finally {
    tf.dispose([...Object.values(t), lengths]);
  }
}

/** Tensor counts around a forward and a gradient step (and the backend's buffers, which catch leaks inside kernels). */
export interface LeakReport {
  impl: ScanImpl;
  tensorsBefore: number;
  tensorsAfterForward: number;
  tensorsAfterGrads: number;
  buffersBefore: number;
  buffersAfter: number;
}

export async function leakCheck(impl: ScanImpl): Promise<LeakReport> {
  const c = makeCase({ b: 2, l: 9, d: 3, n: 4 }, { z: true, deltaBias: true, h0: true, lengths: [9, 4] });
  const t = caseTensors(c);
  const lengths = tf.tensor1d(c.lengths!, "int32");
  const dyT = tf.tensor(c.dy, inputShape("u", c.dims));
  const names = presentInputs(c);
  const buffers = () => tf.engine().backend.numDataIds();
  const report: LeakReport = { impl, tensorsBefore: tf.memory().numTensors, tensorsAfterForward: 0, tensorsAfterGrads: 0, buffersBefore: buffers(), buffersAfter: 0 };
  const out = selectiveScan({ ...scanArgs(c, t, lengths), impl, chunkSize: 4, returnLastState: true });
  await out.y.data();
  tf.dispose([out.y, out.lastState!]);
  report.tensorsAfterForward = tf.memory().numTensors;
  const f = (...xs: Tensor[]) => {
    const named: Record<string, Tensor> = { ...t };
    names.forEach((k, i) => (named[k] = xs[i]!));
    const o = selectiveScan({ ...scanArgs(c, named, lengths), impl, chunkSize: 4, returnLastState: true });
    return tf.add(tf.sum(tf.mul(o.y, dyT)), tf.sum(o.lastState!));
  };
  const grads = tf.grads(f)(names.map((k) => t[k]!));
  await Promise.all(grads.map((g) => g.data()));
  tf.dispose(grads);
  report.tensorsAfterGrads = tf.memory().numTensors;
  report.buffersAfter = buffers();
  tf.dispose([...Object.values(t), lengths, dyT]);
  return report;
}
