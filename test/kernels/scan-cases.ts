/**
 * Shared fixtures for the selective-scan tests: seeded random problems, their tensors, the
 * reference forward/backward on them, and gradients of any impl through `tf.grads`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "@tensorflow/tfjs-core";
import { selectiveScan, type SelectiveScanArgs } from "../../src/kernels/selective-scan/index.ts";
import {
  selectiveScanReference,
  selectiveScanReferenceBackward,
  type ScanDims,
  type ScanGrads,
  type ScanOutputs,
} from "../../src/kernels/selective-scan/reference.ts";
import type { ScanImpl } from "../../src/kernels/selective-scan/declaration.ts";
import { mulberry32 } from "../../src/lib/random.ts";

/** Float inputs that have gradients, in a fixed order. */
export const FLOAT_INPUTS = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias", "h0"] as const;
export type FloatInput = (typeof FLOAT_INPUTS)[number];

/** The project's seeded PRNG (mulberry32), under the name the scan tests use. */
export const rng = mulberry32;

/** One scan problem with float32-representable values. */
export interface ScanCase {
  dims: ScanDims;
  deltaSoftplus: boolean;
  /** Float inputs present in this case (u … D always; z, deltaBias, h0 when chosen). */
  x: Partial<Record<FloatInput, Float32Array>>;
  lengths?: Int32Array;
  /** Upstream gradients. */
  dy: Float32Array;
  dLastState: Float32Array;
}

export interface CaseOptions {
  seed?: number;
  z?: boolean;
  deltaBias?: boolean;
  h0?: boolean;
  /** Explicit lengths, or "random" (one row kept full). */
  lengths?: number[] | "random";
  deltaSoftplus?: boolean;
}

export function makeCase(dims: ScanDims, opts: CaseOptions = {}): ScanCase {
  const { b, l, d, n } = dims;
  const r = rng(opts.seed ?? 1);
  const uni = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * r());
  const softplus = opts.deltaSoftplus ?? true;
  const x: ScanCase["x"] = {
    u: uni(b * l * d, -1, 1), // [b, l, d]
    delta: softplus ? uni(b * l * d, -2, 1) : uni(b * l * d, 0.05, 1), // [b, l, d]
    A: Float32Array.from(uni(d * n, -1, 1.5), (v) => -Math.exp(v)), // [d, n]
    B: uni(b * l * n, -1, 1), // [b, l, n]
    C: uni(b * l * n, -1, 1), // [b, l, n]
    D: uni(d, -1, 1), // [d]
  };
  if (opts.z) x.z = uni(b * l * d, -2, 2);
  if (opts.deltaBias) x.deltaBias = uni(d, -1, 0.5);
  if (opts.h0) x.h0 = uni(b * d * n, -1, 1);
  let lengths: Int32Array | undefined;
  if (opts.lengths === "random") {
    lengths = Int32Array.from({ length: b }, (_, i) => (i === 0 ? l : Math.floor(r() * (l + 1))));
  } else if (opts.lengths) {
    lengths = Int32Array.from(opts.lengths);
  }
  return {
    dims,
    deltaSoftplus: softplus,
    x,
    ...(lengths ? { lengths } : {}),
    dy: uni(b * l * d, -1, 1),
    dLastState: uni(b * d * n, -1, 1),
  };
}

/** Shape of each input. */
export function inputShape(name: FloatInput | "lengths", dims: ScanDims): number[] {
  const { b, l, d, n } = dims;
  switch (name) {
    case "u":
    case "delta":
    case "z":
      return [b, l, d];
    case "A":
      return [d, n];
    case "B":
    case "C":
      return [b, l, n];
    case "D":
    case "deltaBias":
      return [d];
    case "h0":
      return [b, d, n];
    case "lengths":
      return [b];
  }
}

/** The case's float inputs as tensors (caller disposes). */
export function caseTensors(c: ScanCase): Partial<Record<FloatInput, Tensor>> {
  const out: Partial<Record<FloatInput, Tensor>> = {};
  for (const k of FLOAT_INPUTS) {
    const v = c.x[k];
    if (v) out[k] = tf.tensor(v, inputShape(k, c.dims), "float32");
  }
  return out;
}

/** Float inputs present in the case. */
export function presentInputs(c: ScanCase): FloatInput[] {
  return FLOAT_INPUTS.filter((k) => c.x[k] !== undefined);
}

/** Reference forward. */
export function referenceForward(c: ScanCase): ScanOutputs<Float64Array> {
  return selectiveScanReference({ ...(c.x as Required<ScanCase["x"]>), ...optionalRef(c), dims: c.dims, deltaSoftplus: c.deltaSoftplus });
}

/** Reference backward for the loss Σ y·dy (+ Σ lastState·dLastState when `withLast`). */
export function referenceBackward(c: ScanCase, withLast = true): ScanGrads<Float64Array> {
  return selectiveScanReferenceBackward({
    ...(c.x as Required<ScanCase["x"]>),
    ...optionalRef(c),
    dims: c.dims,
    deltaSoftplus: c.deltaSoftplus,
    dy: c.dy,
    ...(withLast ? { dLastState: c.dLastState } : {}),
  });
}

function optionalRef(c: ScanCase) {
  return {
    z: c.x.z,
    deltaBias: c.x.deltaBias,
    h0: c.x.h0,
    lengths: c.lengths,
  };
}

/** The op's arguments from tensors (float inputs by name, lengths from the case). */
export function scanArgs(c: ScanCase, t: Partial<Record<FloatInput, Tensor>>, lengths: Tensor | undefined): SelectiveScanArgs {
  return {
    u: t.u!,
    delta: t.delta!,
    A: t.A!,
    B: t.B!,
    C: t.C!,
    D: t.D!,
    ...(t.z ? { z: t.z } : {}),
    ...(t.deltaBias ? { deltaBias: t.deltaBias } : {}),
    ...(t.h0 ? { h0: t.h0 } : {}),
    ...(lengths ? { lengths } : {}),
    deltaSoftplus: c.deltaSoftplus,
  };
}

export interface ImplRun {
  y: Float32Array;
  lastState: Float32Array;
  /** Gradients of Σ y·dy (+ Σ lastState·dLastState) for every present float input. */
  grads?: Partial<Record<FloatInput, Float32Array>>;
}

/** Runs `impl` forward (and, with `grads`, backward via tf.grads); disposes everything it made. */
export function runImpl(
  c: ScanCase,
  impl: ScanImpl,
  opts: { grads?: boolean; withLast?: boolean; chunkSize?: number } = {},
): ImplRun {
  const t = caseTensors(c);
  const lengths = c.lengths ? tf.tensor1d(c.lengths, "int32") : undefined;
  const dyT = tf.tensor(c.dy, inputShape("u", c.dims));
  const dLastT = tf.tensor(c.dLastState, inputShape("h0", c.dims));
  try {
    const base = { ...scanArgs(c, t, lengths), impl, returnLastState: true, ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) };
    const fwd = selectiveScan(base);
    const run: ImplRun = { y: fwd.y.dataSync() as Float32Array, lastState: fwd.lastState!.dataSync() as Float32Array };
    tf.dispose([fwd.y, fwd.lastState!]);
    if (opts.grads) {
      const names = presentInputs(c);
      const withLast = opts.withLast ?? true;
      const f = (...xs: Tensor[]) => {
        const named: Partial<Record<FloatInput, Tensor>> = {};
        names.forEach((k, i) => (named[k] = xs[i]));
        const out = selectiveScan({ ...scanArgs(c, named, lengths), impl, returnLastState: withLast, ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) });
        const loss = tf.sum(tf.mul(out.y, dyT));
        return withLast ? tf.add(loss, tf.sum(tf.mul(out.lastState!, dLastT))) : loss;
      };
      const gs = tf.grads(f)(names.map((k) => t[k]!));
      run.grads = {};
      names.forEach((k, i) => (run.grads![k] = gs[i]!.dataSync() as Float32Array));
      tf.dispose(gs);
    }
    return run;
  } finally {
    tf.dispose([...Object.values(t), dyT, dLastT, ...(lengths ? [lengths] : [])]);
  }
}

/** atol for a tensor: `base` scaled by the reference's largest magnitude (at least 1). */
export function scaledAtol(ref: ArrayLike<number>, base: number): number {
  let m = 1;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]!));
  return base * m;
}

/** Row i of a case, first `len` steps, as a b = 1 case without lengths. */
export function sliceRow(c: ScanCase, i: number, len: number): ScanCase {
  const { l, d, n } = c.dims;
  const pick = (v: Float32Array, w: number) => {
    const out = new Float32Array(len * w);
    for (let t = 0; t < len; t++) out.set(v.subarray((i * l + t) * w, (i * l + t + 1) * w), t * w);
    return out;
  };
  const x: typeof c.x = { ...c.x, u: pick(c.x.u!, d), delta: pick(c.x.delta!, d), B: pick(c.x.B!, n), C: pick(c.x.C!, n) };
  if (c.x.z) x.z = pick(c.x.z, d);
  if (c.x.h0) x.h0 = c.x.h0.slice(i * d * n, (i + 1) * d * n);
  return { dims: { b: 1, l: len, d, n }, deltaSoftplus: c.deltaSoftplus, x, dy: pick(c.dy, d), dLastState: c.dLastState.slice(i * d * n, (i + 1) * d * n) };
}

/** Steps [t0, t1) of every row, without lengths. */
export function sliceSteps(c: ScanCase, t0: number, t1: number): ScanCase {
  const { b, l, d, n } = c.dims;
  const len = t1 - t0;
  const pick = (v: Float32Array, w: number) => {
    const out = new Float32Array(b * len * w);
    for (let i = 0; i < b; i++) out.set(v.subarray((i * l + t0) * w, (i * l + t1) * w), i * len * w);
    return out;
  };
  const x: typeof c.x = { ...c.x, u: pick(c.x.u!, d), delta: pick(c.x.delta!, d), B: pick(c.x.B!, n), C: pick(c.x.C!, n) };
  if (c.x.z) x.z = pick(c.x.z, d);
  return { dims: { b, l: len, d, n }, deltaSoftplus: c.deltaSoftplus, x, dy: pick(c.dy, d), dLastState: c.dLastState };
}
