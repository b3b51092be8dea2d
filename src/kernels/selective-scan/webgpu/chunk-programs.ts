/**
 * The chunked schedule's parallel prefix: the recurrence h_t = e_t ⊙ h_{t−1} + x_t is
 * affine in h, so a chunk of steps composes into one affine map h ↦ P ⊙ h + S, and maps
 * compose associatively: (P₁, S₁) then (P₂, S₂) = (P₂P₁, P₂S₁ + S₂). The forward
 *
 *   1. summarises each chunk (one invocation per (row, chunk, channel), sequential inside);
 *   2. scans the summaries over chunks with ⌈log₂ nChunks⌉ Hillis–Steele passes (as tfjs's
 *      WebGPU cumsum, `cum_webgpu.js`: pass p combines element k with element k − 2^p);
 *   3. turns the inclusive scan into each chunk's entry state: h0 for chunk 0, else the scan
 *      at k − 1 applied to h0.
 *
 * The backward does the same for ∂L/∂h, whose recurrence runs the other way:
 * g_{t−1} = e_t ⊙ (g_t + gy_t·C_t). A chunk summarises to (P, Q) with g leaving its first
 * step = P ⊙ g entering its last step + Q, and the passes combine k with k + 2^p; the entry
 * of chunk k is dLastState for the last chunk, else the scan at k + 1 applied to dLastState.
 * Summaries are [b, nChunks, d, 2, n] (P then S or Q). Padded steps are identities.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { numChunks, type ScanShape } from "./forward-program.ts";
import { paramsLayout } from "./pack-programs.ts";
import { disposeAll, runProgram, WGSL_MATH, type ScanProgramSpec } from "./program.ts";

function chunkUniforms(s: ScanShape) {
  const p = paramsLayout(s.d, s.n, s.b);
  return { l: s.l, d: s.d, nChunks: numChunks(s), chunk: s.chunk, biasAt: p.bias, lenAt: p.lengths };
}

/**
 * WGSL opening of both summary programs (one invocation per (row i, chunk k, channel c),
 * `chunkUniforms`): the thread's indices, its row's valid length and its channel's Δ bias.
 */
const CHUNK_THREAD = /* wgsl */ `  if (index >= uniforms.threads) { return; }
  let l = uniforms.l;
  let d = uniforms.d;
  let c = index % d;
  let ik = index / d;
  let k = ik % uniforms.nChunks;
  let i = ik / uniforms.nChunks;
  let len = i32(params[uniforms.lenAt + i]);
  let bias = params[uniforms.biasAt + c];`;

/** Step 1 of the forward: (P, S) of every chunk. Inputs u, delta, BC, params. */
export function forwardSummaryProgram(s: ScanShape, deltaSoftplus: boolean): ScanProgramSpec {
  const nC = numChunks(s);
  return {
    key: `fsum_${s.n}_${deltaSoftplus}`,
    inputs: ["u", "delta", "BC", "params"],
    outputShape: [s.b, nC, s.d, 2, s.n],
    threads: s.b * nC * s.d,
    uniforms: chunkUniforms(s),
    code: /* wgsl */ `
${WGSL_MATH}
const N = ${s.n};
fn main(index : i32) {
${CHUNK_THREAD}
  var P : array<f32, N>;
  var S : array<f32, N>;
  for (var j = 0; j < N; j++) { P[j] = 1.0; S[j] = 0.0; }
  let t1 = min(k * uniforms.chunk + uniforms.chunk, len);
  for (var t = k * uniforms.chunk; t < t1; t++) {
    let x = (i * l + t) * d + c;
    let raw = delta[x] + bias;
    let dt = ${deltaSoftplus ? "softplus(raw)" : "raw"};
    let dtu = dt * u[x];
    let bc = (i * l + t) * 2 * N;
    for (var j = 0; j < N; j++) {
      let e = exp(dt * params[c * N + j]);
      P[j] = P[j] * e;
      S[j] = e * S[j] + dtu * BC[bc + j];
    }
  }
  let out = index * 2 * N;
  for (var j = 0; j < N; j++) { result[out + j] = P[j]; result[out + N + j] = S[j]; }
}`,
  };
}

/** Step 1 of the backward: (P, Q) of every chunk, walked from its last valid step. Inputs delta, z?, BC, params, dy. */
export function backwardSummaryProgram(s: ScanShape, f: { deltaSoftplus: boolean; hasZ: boolean }): ScanProgramSpec {
  const nC = numChunks(s);
  return {
    key: `bsum_${s.n}_${f.deltaSoftplus}_${f.hasZ}`,
    inputs: ["delta", ...(f.hasZ ? ["z"] : []), "BC", "params", "dy"],
    outputShape: [s.b, nC, s.d, 2, s.n],
    threads: s.b * nC * s.d,
    uniforms: chunkUniforms(s),
    code: /* wgsl */ `
${WGSL_MATH}
const N = ${s.n};
fn main(index : i32) {
${CHUNK_THREAD}
  var P : array<f32, N>;
  var Q : array<f32, N>;
  for (var j = 0; j < N; j++) { P[j] = 1.0; Q[j] = 0.0; }
  let t0 = k * uniforms.chunk;
  for (var t = min(t0 + uniforms.chunk, len) - 1; t >= t0; t--) {
    let x = (i * l + t) * d + c;
    let raw = delta[x] + bias;
    let dt = ${f.deltaSoftplus ? "softplus(raw)" : "raw"};
    ${f.hasZ ? "let zt = z[x];\n    let gy = dy[x] * zt * sigmoid(zt);" : "let gy = dy[x];"}
    let bc = (i * l + t) * 2 * N;
    for (var j = 0; j < N; j++) {
      let e = exp(dt * params[c * N + j]);
      P[j] = P[j] * e;
      Q[j] = (Q[j] + gy * BC[bc + N + j]) * e;
    }
  }
  let out = index * 2 * N;
  for (var j = 0; j < N; j++) { result[out + j] = P[j]; result[out + N + j] = Q[j]; }
}`,
  };
}

/** One Hillis–Steele pass over chunks: element k combined with k ∓ offset (forward: −, reverse: +). */
export function combinePassProgram(s: ScanShape, offset: number, reverse: boolean): ScanProgramSpec {
  const nC = numChunks(s);
  return {
    key: `combine_${s.n}_${reverse}`,
    inputs: ["x"],
    outputShape: [s.b, nC, s.d, 2, s.n],
    threads: s.b * nC * s.d * s.n,
    uniforms: { d: s.d, nChunks: nC, offset },
    code: /* wgsl */ `
const N = ${s.n};
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let j = index % N;
  let ikc = index / N;
  let c = ikc % uniforms.d;
  let ik = ikc / uniforms.d;
  let k = ik % uniforms.nChunks;
  let i = ik / uniforms.nChunks;
  let at = ((i * uniforms.nChunks + k) * uniforms.d + c) * 2 * N + j;
  var P = x[at];
  var S = x[at + N];
  let other = k ${reverse ? "+" : "-"} uniforms.offset;
  if (${reverse ? "other < uniforms.nChunks" : "other >= 0"}) {
    // the other element's map acts first, then this one's
    let o = ((i * uniforms.nChunks + other) * uniforms.d + c) * 2 * N + j;
    S = P * x[o + N] + S;
    P = P * x[o];
  }
  result[at] = P;
  result[at + N] = S;
}`,
  };
}

/** Entry of each chunk from the inclusive scan: forward from k − 1 and h0, reverse from k + 1 and dLastState. Inputs scan, start?. */
export function entryProgram(s: ScanShape, reverse: boolean, hasStart: boolean): ScanProgramSpec {
  const nC = numChunks(s);
  return {
    key: `entry_${s.n}_${reverse}_${hasStart}`,
    inputs: ["scan", ...(hasStart ? ["start"] : [])],
    outputShape: [s.b, nC, s.d, s.n],
    threads: s.b * nC * s.d * s.n,
    uniforms: { d: s.d, nChunks: nC },
    code: /* wgsl */ `
const N = ${s.n};
fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let j = index % N;
  let ikc = index / N;
  let c = ikc % uniforms.d;
  let ik = ikc / uniforms.d;
  let k = ik % uniforms.nChunks;
  let i = ik / uniforms.nChunks;
  let h = ${hasStart ? "start[(i * uniforms.d + c) * N + j]" : "0.0"};
  let other = k ${reverse ? "+ 1" : "- 1"};
  if (${reverse ? "other < uniforms.nChunks" : "other >= 0"}) {
    let o = ((i * uniforms.nChunks + other) * uniforms.d + c) * 2 * N + j;
    result[index] = scan[o] * h + scan[o + N];
  } else {
    result[index] = h;
  }
}`,
  };
}

/** Runs the log-step passes over `summary` (consumed); returns the inclusive scan. */
function scanChunks(gpu: WebGPUBackend, s: ScanShape, summary: TensorInfo, reverse: boolean): TensorInfo {
  let x = summary;
  for (let offset = 1; offset < numChunks(s); offset *= 2) {
    const next = runProgram(gpu, combinePassProgram(s, offset, reverse), [x]);
    disposeAll(gpu, [x]);
    x = next;
  }
  return x;
}

/** State entering each chunk, [b, nChunks, d, n]. */
export function forwardEntryStates(
  gpu: WebGPUBackend,
  s: ScanShape,
  t: Record<string, TensorInfo | undefined>,
  f: { deltaSoftplus: boolean; h0: TensorInfo | undefined },
): TensorInfo {
  const summary = runProgram(gpu, forwardSummaryProgram(s, f.deltaSoftplus), [t["u"]!, t["delta"]!, t["BC"]!, t["params"]!]);
  const scan = scanChunks(gpu, s, summary, false);
  try {
    return runProgram(gpu, entryProgram(s, false, f.h0 !== undefined), [scan, ...(f.h0 ? [f.h0] : [])]);
  } finally {
    disposeAll(gpu, [scan]);
  }
}

/** ∂L/∂h entering each chunk from its right (the state gradient after its last step), [b, nChunks, d, n]. */
export function backwardEntryGrads(
  gpu: WebGPUBackend,
  s: ScanShape,
  t: Record<string, TensorInfo | undefined>,
  f: { deltaSoftplus: boolean; z: TensorInfo | undefined; dLast: TensorInfo | undefined },
): TensorInfo {
  const inputs = [t["delta"]!, ...(f.z ? [f.z] : []), t["BC"]!, t["params"]!, t["dy"]!];
  const summary = runProgram(gpu, backwardSummaryProgram(s, { deltaSoftplus: f.deltaSoftplus, hasZ: f.z !== undefined }), inputs);
  const scan = scanChunks(gpu, s, summary, true);
  try {
    return runProgram(gpu, entryProgram(s, true, f.dLast !== undefined), [scan, ...(f.dLast ? [f.dLast] : [])]);
  } finally {
    disposeAll(gpu, [scan]);
  }
}
