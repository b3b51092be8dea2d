/**
 * The fused forward scan in WGSL: one invocation per (row i, chunk group, channel c) keeps
 * its channel's state h [n] in registers (a private array sized at compile time) and walks
 * the steps, writing y_t and, at each chunk boundary, the state entering the chunk.
 *
 *   "sequential": one group per row; the invocation starts from h0 (or 0) and walks all
 *                 l steps, chunk after chunk (b·d invocations);
 *   "chunked":    one group per chunk; the invocation starts from the state entering its
 *                 chunk (`entry`, from the log-step scan of `chunk-programs.ts`) and walks
 *                 only that chunk (b·nChunks·d invocations).
 *
 * Output, packed (one program has one output): y [b, l, d] | checkpoints [b, nChunks, d, n]
 * | lastState [b, d, n]. Steps at or past a row's length write y = 0 and keep the state.
 * Inputs: u, delta [b, l, d]; z [b, l, d] when gated; BC [b, l, 2n]; params (see
 * `pack-programs.ts`); h0 [b, d, n] (sequential, when given) or entry [b, nChunks, d, n].
 * Letters as in `../declaration.ts`. Mirrors `fusedScanForward` of `../fused-cpu.ts` (same
 * recurrence, same checkpoint layout) with channels across invocations.
 */
import { paramsLayout } from "./pack-programs.ts";
import { WGSL_MATH, type ScanProgramSpec } from "./program.ts";

export type Schedule = "sequential" | "chunked";

export interface ScanShape {
  b: number;
  l: number;
  d: number;
  n: number;
  /** Steps per chunk (the `chunkSize` attribute). */
  chunk: number;
}

export interface ForwardFlags {
  schedule: Schedule;
  hasZ: boolean;
  /** h0 given (sequential only; chunked folds it into `entry`). */
  hasH0: boolean;
  deltaSoftplus: boolean;
}

export function numChunks(s: ScanShape): number {
  return Math.ceil(s.l / s.chunk);
}

/** Offsets of y, checkpoints and lastState in the forward's packed output, and its size. */
export function forwardLayout(s: ScanShape) {
  const y = 0;
  const checkpoints = s.b * s.l * s.d;
  const lastState = checkpoints + s.b * numChunks(s) * s.d * s.n;
  return { y, checkpoints, lastState, size: lastState + s.b * s.d * s.n };
}

export function forwardProgram(s: ScanShape, f: ForwardFlags): ScanProgramSpec {
  const { b, l, d, n } = s;
  const nChunks = numChunks(s);
  const groups = f.schedule === "chunked" ? nChunks : 1;
  const at = forwardLayout(s);
  const p = paramsLayout(d, n, b);
  const entry = f.schedule === "chunked" ? "entry" : f.hasH0 ? "h0" : null;
  const inputs = ["u", "delta", ...(f.hasZ ? ["z"] : []), "BC", "params", ...(entry ? [entry] : [])];
  const loadState =
    f.schedule === "chunked"
      ? "h[j] = entry[((i * nChunks + g) * d + c) * N + j];"
      : f.hasH0
        ? "h[j] = h0[(i * d + c) * N + j];"
        : "h[j] = 0.0;";
  return {
    key: `fwd_${f.schedule}_${n}_${f.hasZ}_${f.hasH0}_${f.deltaSoftplus}`,
    inputs,
    outputShape: [at.size],
    threads: b * groups * d,
    uniforms: { l, d, nChunks, chunk: s.chunk, groups, ckptAt: at.checkpoints, lastAt: at.lastState, dnAt: p.D, biasAt: p.bias, lenAt: p.lengths },
    code: /* wgsl */ `
${WGSL_MATH}
const N = ${n};

fn main(index : i32) {
  if (index >= uniforms.threads) { return; }
  let l = uniforms.l;
  let d = uniforms.d;
  let nChunks = uniforms.nChunks;
  let c = index % d;
  let ig = index / d;
  let g = ig % uniforms.groups;
  let i = ig / uniforms.groups;
  let len = i32(params[uniforms.lenAt + i]);
  let Dc = params[uniforms.dnAt + c];
  let bias = params[uniforms.biasAt + c];
  var h : array<f32, N>;
  for (var j = 0; j < N; j++) { ${loadState} }
  let k0 = ${f.schedule === "chunked" ? "g" : "0"};
  let k1 = ${f.schedule === "chunked" ? "g + 1" : "nChunks"};
  for (var k = k0; k < k1; k++) {
    let ck = uniforms.ckptAt + ((i * nChunks + k) * d + c) * N;
    for (var j = 0; j < N; j++) { result[ck + j] = h[j]; }
    let t1 = min(k * uniforms.chunk + uniforms.chunk, l);
    for (var t = k * uniforms.chunk; t < t1; t++) {
      let x = (i * l + t) * d + c;
      if (t >= len) { result[x] = 0.0; continue; }
      let raw = delta[x] + bias;
      let dt = ${f.deltaSoftplus ? "softplus(raw)" : "raw"};
      let ut = u[x];
      let dtu = dt * ut;
      let bc = (i * l + t) * 2 * N;
      var acc = 0.0;
      for (var j = 0; j < N; j++) {
        let hv = exp(dt * params[c * N + j]) * h[j] + dtu * BC[bc + j];
        h[j] = hv;
        acc += hv * BC[bc + N + j];
      }
      let yt = acc + Dc * ut;
      ${f.hasZ ? "let zt = z[x];\n      result[x] = yt * zt * sigmoid(zt);" : "result[x] = yt;"}
    }
  }
  if (k1 == nChunks) {
    let last = uniforms.lastAt + (i * d + c) * N;
    for (var j = 0; j < N; j++) { result[last + j] = h[j]; }
  }
}`,
  };
}
