/**
 * Loads the native kernels (`c/`, built by node-gyp at `npm install` into `build/Release/`).
 *
 * Node only; anywhere else, or when the build is missing or fails to load, `loadNative()`
 * returns null with the reason in `nativeUnavailableReason()`, and the JS kernels stay
 * registered. `METEOR_NATIVE=0` turns the native kernels off. `METEOR_THREADS` sets their
 * OpenMP threads (default: the cores Node reports). OpenMP's idle threads are set to sleep
 * (`OMP_WAIT_POLICY=passive`, unless set) so that they do not spin on a core between
 * kernels while JavaScript runs.
 */

export interface NativeInfo {
  /** OpenMP threads the kernels use. */
  threads: number;
  maxThreads: number;
  /** Vector width the build targets: 512 (AVX-512), 256 (AVX/AVX2) or 128. */
  simdBits: number;
  openmp: boolean;
}

type F32 = Float32Array;
type OptF32 = Float32Array | null;

/** The addon's functions (see `c/addon.c`; argument order is checked there too). */
export interface NativeKernels {
  /** out [batch, m, n] = op(a) · op(b); batch strides in elements, 0 broadcasts. */
  matmul(a: F32, b: F32, out: F32, batch: number, m: number, k: number, n: number, transA: number, transB: number, strideA: number, strideB: number): void;
  scanForward(
    u: F32, delta: F32, A: F32, B: F32, C: F32, D: F32, z: OptF32, deltaBias: OptF32, h0: OptF32, lengths: Int32Array | null,
    b: number, l: number, d: number, n: number, chunk: number, softplus: number,
    y: F32, lastState: F32, checkpoints: F32,
  ): void;
  scanBackward(
    u: F32, delta: F32, A: F32, B: F32, C: F32, D: F32, z: OptF32, deltaBias: OptF32, h0: OptF32, lengths: Int32Array | null,
    b: number, l: number, d: number, n: number, chunk: number, softplus: number,
    checkpoints: F32, dy: F32, dLast: OptF32,
    gu: F32, gdelta: F32, gA: F32, gB: F32, gC: F32, gD: F32, gz: OptF32, gDeltaBias: OptF32, gh0: OptF32,
  ): void;
  /** Strided copy of 4-byte elements (see `c/copy.h`, `layout.ts`'s `copyMeta`); naive ≠ 0: the reference loop. */
  copyStrided(src: F32, dst: F32, meta: Float64Array, naive: number): void;
  /** out[o, i, :] = x[o, idx[i], :] with x [outer, dim, inner]; throws a RangeError naming an index outside [0, dim). */
  gatherRows(x: F32, idx: Int32Array, out: F32, outer: number, dim: number, inner: number, nidx: number): void;
  /** out[ids[i], :] += x[i, :] over out [segments, k] (zeroed first); ids outside [0, segments) dropped. */
  scatterAddRows(x: F32, ids: Int32Array, out: F32, rows: number, k: number, segments: number): void;
  /** Fused element-wise kernels (see `c/fused.h`). */
  swigluForward(a: F32, b: F32, y: F32, n: number): void;
  swigluBackward(a: F32, b: F32, dy: F32, da: F32, db: F32, n: number): void;
  causalSoftmaxForward(s: F32, p: F32, rows: number, l: number, t: number, past: number, scale: number): void;
  causalSoftmaxBackward(p: F32, dp: F32, ds: F32, rows: number, l: number, t: number, past: number, scale: number): void;
  crossEntropyForward(logits: F32, targets: Int32Array, loss: F32, lse: F32, rows: number, v: number): void;
  crossEntropyBackward(logits: F32, targets: Int32Array, lse: F32, dloss: number, dlogits: F32, rows: number, v: number): void;
  /** Fused norms over the last axis of [rows, d] (see `c/norm.h`). */
  rmsnormForward(x: F32, w: F32, y: F32, rstd: F32, rows: number, d: number, eps: number): void;
  rmsnormBackward(dy: F32, x: F32, w: F32, rstd: F32, dx: F32, dw: F32, rows: number, d: number): void;
  layernormForward(x: F32, w: F32, b: F32, y: F32, mean: F32, rstd: F32, rows: number, d: number, eps: number): void;
  layernormBackward(dy: F32, x: F32, w: F32, mean: F32, rstd: F32, dx: F32, dw: F32, db: F32, rows: number, d: number): void;
  /** Rotary embedding over x [rows, hd], row r at position r mod l of cos, sin [l, hd] (see `c/fused.h`). */
  ropeForward(x: F32, cos: F32, sin: F32, y: F32, rows: number, l: number, hd: number): void;
  ropeBackward(dy: F32, cos: F32, sin: F32, dx: F32, rows: number, l: number, hd: number): void;
  /** Fused causal depthwise conv1d + SiLU over x [b, l+k−1, e] (see `c/conv.h`). */
  convSiluForward(x: F32, w: F32, bias: F32, y: F32, pre: F32, b: number, l: number, e: number, k: number): void;
  convSiluBackward(dy: F32, x: F32, w: F32, pre: F32, dx: F32, dw: F32, dbias: F32, b: number, l: number, e: number, k: number): void;
  /** AdamW over many tensors in one call (see `c/optim.h`): 7 buffers per tensor (p, g, m, v, p′, m′, v′). */
  adamwUpdate(buffers: F32[], sizes: Float64Array, decay: F32, scalars: F32): void;
  /** √(Σ x²) over every element of every buffer, accumulated in float64. */
  globalNorm(buffers: F32[], sizes: Float64Array): number;
  setThreads(n: number): number;
  info(): NativeInfo;
}

let cached: NativeKernels | null | undefined;
let reason = "not loaded yet";

interface NodeProcess {
  versions?: { node?: string };
  env: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
}

function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === "function" ? p : null;
}

/** The addon, or null (see `nativeUnavailableReason`). Loaded once. */
export function loadNative(): NativeKernels | null {
  if (cached !== undefined) return cached;
  const proc = nodeProcess();
  if (!proc) {
    reason = "not running in Node";
    return (cached = null);
  }
  if (proc.env["METEOR_NATIVE"] === "0") {
    reason = "turned off by METEOR_NATIVE=0";
    return (cached = null);
  }
  proc.env["OMP_WAIT_POLICY"] ??= "passive";
  const { createRequire } = proc.getBuiltinModule!("node:module") as { createRequire(url: string | URL): (id: string) => unknown };
  const { availableParallelism } = proc.getBuiltinModule!("node:os") as { availableParallelism(): number };
  const path = new URL("./build/Release/meteor_native.node", import.meta.url);
  try {
    const addon = createRequire(import.meta.url)(path.pathname) as NativeKernels;
    const wanted = proc.env["METEOR_THREADS"];
    const threads = wanted !== undefined && /^\d+$/.test(wanted) && Number(wanted) >= 1 ? Number(wanted) : availableParallelism();
    addon.setThreads(threads);
    reason = "";
    return (cached = addon);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    reason = /Cannot find module|no such file/i.test(msg) ? "not built (npm run build:native)" : `failed to load: ${msg}`;
    return (cached = null);
  }
}

/** Why `loadNative()` returned null ("" when it loaded). */
export function nativeUnavailableReason(): string {
  return reason;
}
