/**
 * Small WGSL programs around the scan: packing inputs so that a scan program stays within
 * WebGPU's 7 input bindings, and cutting a program's packed output into tensors.
 *
 *   params  [d·n + 2d + b]  = A [d, n] | D [d] | deltaBias [d] (0 when absent) | lengths [b] as f32 (l when absent)
 *   BC      [b, l, 2n]      = B_t | C_t per (row, step): one binding, read contiguously
 *   concat  [p + q]         = x [p] | y [q]
 *   sum     out[p, q]       = Σ_{r < R} x[offset + p·strideP + r·strideR + q]: a copy when R = 1,
 *                             a reduction over partial sums otherwise
 */
import type { ScanProgramSpec } from "./program.ts";

/** Offsets of the parts of `params`. */
export function paramsLayout(d: number, n: number, b: number) {
  return { A: 0, D: d * n, bias: d * n + d, lengths: d * n + 2 * d, size: d * n + 2 * d + b };
}

/** params from A, D and, when present, deltaBias and lengths (inputs in that order). */
export function packParams(dims: { b: number; l: number; d: number; n: number }, hasBias: boolean, hasLengths: boolean): ScanProgramSpec {
  const { b, l, d, n } = dims;
  const at = paramsLayout(d, n, b);
  return {
    key: `params_${hasBias}_${hasLengths}`,
    inputs: ["A", "D", ...(hasBias ? ["bias"] : []), ...(hasLengths ? ["lengths"] : [])],
    outputShape: [at.size],
    threads: at.size,
    uniforms: { dn: d * n, d, l },
    code: /* wgsl */ `
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let dn = uniforms.dn;
  let d = uniforms.d;
  if (index < dn) {
    result[index] = A[index];
  } else if (index < dn + d) {
    result[index] = D[index - dn];
  } else if (index < dn + 2 * d) {
    ${hasBias ? "result[index] = bias[index - dn - d];" : "result[index] = 0.0;"}
  } else {
    ${hasLengths ? "result[index] = f32(clamp(lengths[index - dn - 2 * d], 0, uniforms.l));" : "result[index] = f32(uniforms.l);"}
  }
}`,
  };
}

/** BC [b, l, 2n] from B and C ([b, l, n] each). */
export function packBC(dims: { b: number; l: number; n: number }): ScanProgramSpec {
  const { b, l, n } = dims;
  return {
    key: "bc",
    inputs: ["B", "C"],
    outputShape: [b, l, 2 * n],
    threads: b * l * 2 * n,
    uniforms: { n },
    code: /* wgsl */ `
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let n = uniforms.n;
  let row = index / (2 * n);
  let j = index - row * 2 * n;
  if (j < n) { result[index] = B[row * n + j]; } else { result[index] = C[row * n + j - n]; }
}`,
  };
}

/** x | y, flat. */
export function concat(p: number, q: number): ScanProgramSpec {
  return {
    key: "concat",
    inputs: ["x", "y"],
    outputShape: [p + q],
    threads: p + q,
    uniforms: { p },
    code: /* wgsl */ `
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  if (index < uniforms.p) { result[index] = x[index]; } else { result[index] = y[index - uniforms.p]; }
}`,
  };
}

export interface SumLayout {
  /** First element read. */
  offset: number;
  /** Output columns q (the output is [size / inner, inner] flattened to `shape`). */
  inner: number;
  /** Input stride between output rows p. */
  strideP: number;
  /** Terms summed per output element. */
  terms: number;
  /** Input stride between terms r. */
  strideR: number;
}

/** out[p, q] = Σ_r x[offset + p·strideP + r·strideR + q], shaped `shape`. */
export function stridedSum(shape: number[], at: SumLayout): ScanProgramSpec {
  const size = shape.reduce((a, s) => a * s, 1);
  return {
    key: "sum",
    inputs: ["x"],
    outputShape: shape,
    threads: size,
    uniforms: { offset: at.offset, inner: at.inner, strideP: at.strideP, terms: at.terms, strideR: at.strideR },
    code: /* wgsl */ `
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let p = index / uniforms.inner;
  let q = index - p * uniforms.inner;
  let base = uniforms.offset + p * uniforms.strideP + q;
  var acc = 0.0;
  for (var r = 0; r < uniforms.terms; r++) { acc += x[base + r * uniforms.strideR]; }
  result[index] = acc;
}`,
  };
}

/** A contiguous copy of `shape`'s size starting at `offset`. */
export function copyRange(shape: number[], offset: number): ScanProgramSpec {
  const size = shape.reduce((a, s) => a * s, 1);
  return stridedSum(shape, { offset, inner: Math.max(1, size), strideP: 0, terms: 1, strideR: 0 });
}
