/**
 * Selective-scan benchmark: forward + backward time of the reference, fused and composed
 * scans over a grid of (b, dInner, l) at dState = 16, in one run on one backend.
 *
 * Like llm.c's `dev/cuda` mains, each implementation is first checked against the
 * reference on a small case (forward and every gradient); a mismatch aborts the bench.
 * Then, per shape: the reference runs on plain float32 arrays (its forward, then its
 * backward, which replays the states); fused and composed run as the model runs them,
 * `tf.grads` of the `selectiveScan` op with dy given, so tfjs overhead is included.
 *
 * Throughput: elementsPerSec = b·l·dInner·dState / (forward + backward seconds), i.e.
 * state updates per second (each element is one (row, step, channel, state) of h).
 *
 * A reference or composed run whose estimated time exceeds the budget (default 20 s;
 * extrapolated from the last measured throughput of that kernel), or any run whose
 * estimated memory exceeds the limit (tensor memory from a profiled calibration run, since
 * the wasm heap fails past ~2 GiB; composed peaks near 24 float32 copies of the
 * [b, l, d, n] state), is not run and is reported as skipped (ms = null).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "@tensorflow/tfjs-core";
import { selectiveScan, type SelectiveScanArgs } from "../src/kernels/selective-scan/index.ts";
import { selectiveScanReference, selectiveScanReferenceBackward } from "../src/kernels/selective-scan/reference.ts";
import type { ScanImpl } from "../src/kernels/selective-scan/declaration.ts";

export type ScanKernel = "reference" | "fused" | "composed";
export const SCAN_KERNELS: readonly ScanKernel[] = ["reference", "fused", "composed"];

/** One measured (or skipped) configuration. */
export interface ScanBenchRow {
  kernel: ScanKernel;
  b: number;
  dInner: number;
  dState: number;
  l: number;
  /** Forward + backward wall time in ms (median of the repetitions); null when skipped. */
  ms: number | null;
  /** b·l·dInner·dState / seconds; null when skipped. */
  elementsPerSec: number | null;
}

export interface ScanBenchOptions {
  /** Small grid (b ∈ {1, 4}, dInner ∈ {256, 768}, l ∈ {256, 1024}). */
  quick: boolean;
  /** Skip a run whose estimated time exceeds this many seconds. Default 20. */
  budgetSeconds?: number;
  /** Kernels to run. Default all three. */
  kernels?: readonly ScanKernel[];
  /** Progress lines (stderr at the CLI). */
  log: (line: string) => void;
}

export interface ScanBenchResult {
  rows: ScanBenchRow[];
  /** Why each skipped row was skipped, keyed `${kernel} b×dInner×l`. */
  skipped: Record<string, string>;
}

const D_STATE = 16;
const FULL_GRID = { b: [1, 4, 8], dInner: [256, 768, 1536], l: [256, 1024, 4096] };
const QUICK_GRID = { b: [1, 4], dInner: [256, 768], l: [256, 1024] };
/** Tensor bytes we let one tfjs run reach: tfjs-backend-wasm aborted near 2 GiB of heap; elsewhere tensors live in the JS heap. */
function tensorMemoryLimit(): number {
  return (tf.getBackend() === "wasm" ? 1.5 : 8) * 2 ** 30;
}
/** JS heap bytes we let one reference run take. */
const REFERENCE_MEMORY_LIMIT = 6 * 2 ** 30;

interface Shape {
  b: number;
  l: number;
  d: number;
  n: number;
}

/** Deterministic inputs in the ranges the model produces. */
function makeInputs(s: Shape, seed = 1) {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const uni = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
  const { b, l, d, n } = s;
  return {
    u: uni(b * l * d, -1, 1), // [b, l, d]
    delta: uni(b * l * d, -3, 0), // [b, l, d]
    A: Float32Array.from({ length: d * n }, (_, k) => -((k % n) + 1)), // [d, n]: S4D-real init
    B: uni(b * l * n, -1, 1), // [b, l, n]
    C: uni(b * l * n, -1, 1), // [b, l, n]
    D: uni(d, -1, 1), // [d]
    z: uni(b * l * d, -2, 2), // [b, l, d]
    deltaBias: uni(d, -4, -2), // [d]
    dy: uni(b * l * d, -1, 1), // [b, l, d]
  };
}
type Inputs = ReturnType<typeof makeInputs>;
const FLOAT_NAMES = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias"] as const;

function shapeOf(name: (typeof FLOAT_NAMES)[number] | "dy", s: Shape): number[] {
  const { b, l, d, n } = s;
  if (name === "A") return [d, n];
  if (name === "B" || name === "C") return [b, l, n];
  if (name === "D" || name === "deltaBias") return [d];
  return [b, l, d];
}

/** Reference forward and backward on plain arrays; returns y and the gradients. */
function runReference(s: Shape, x: Inputs) {
  const args = { ...x, dims: s, deltaSoftplus: true };
  const fwd = selectiveScanReference(args);
  const grads = selectiveScanReferenceBackward({ ...args, dy: x.dy });
  return { y: fwd.y, grads };
}

/** A prepared tfjs run of `impl`: call `run()` for one forward + backward; `dispose()` after. */
function prepareTf(s: Shape, x: Inputs, impl: ScanImpl) {
  const t: Record<string, Tensor> = {};
  for (const k of FLOAT_NAMES) t[k] = tf.tensor(x[k], shapeOf(k, s));
  const dy = tf.tensor(x.dy, shapeOf("dy", s));
  const f = (...xs: Tensor[]) => {
    const a = {} as Record<string, Tensor>;
    FLOAT_NAMES.forEach((k, i) => (a[k] = xs[i]!));
    return selectiveScan({ ...(a as unknown as SelectiveScanArgs), deltaSoftplus: true, impl }).y;
  };
  const xs = FLOAT_NAMES.map((k) => t[k]!);
  const gradsOf = tf.grads(f);
  return {
    /** One forward + backward; returns y and gradients as arrays when `read`. */
    run(read: boolean) {
      const y = read ? tf.tidy(() => f(...xs)) : null;
      const gs = gradsOf(xs, dy);
      if (!read) {
        tf.dispose(gs);
        return null;
      }
      const out = { y: y!.dataSync(), grads: Object.fromEntries(FLOAT_NAMES.map((k, i) => [k, gs[i]!.dataSync()])) };
      tf.dispose([y!, ...gs]);
      return out;
    },
    dispose() {
      tf.dispose([...xs, dy]);
    },
  };
}

/** Largest |a − r| / (atol + rtol·|r|) over a tensor; ≤ 1 passes. */
function worstRatio(a: ArrayLike<number>, r: ArrayLike<number>, atol: number, rtol: number): number {
  let worst = 0;
  for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(a[i]! - r[i]!) / (atol + rtol * Math.abs(r[i]!)));
  return worst;
}

/** Checks fused and composed against the reference on a small case; throws on mismatch. */
function checkCorrectness(kernels: readonly ScanKernel[], log: (line: string) => void): void {
  const s = { b: 2, l: 37, d: 5, n: D_STATE };
  const x = makeInputs(s, 7);
  const ref = runReference(s, x);
  for (const kernel of kernels) {
    if (kernel === "reference") continue;
    const p = prepareTf(s, x, kernel);
    const got = p.run(true)!;
    p.dispose();
    let worst = worstRatio(got.y, ref.y, 1e-5, 1e-4);
    for (const k of FLOAT_NAMES) {
      const r = ref.grads[k]!;
      const scale = Math.max(1, ...Array.from(r, Math.abs));
      worst = Math.max(worst, worstRatio(got.grads[k]!, r, 1e-5 * scale, 1e-4));
    }
    if (!(worst <= 1)) throw new Error(`scan bench: ${kernel} disagrees with the reference (worst error ${worst.toFixed(2)}× tolerance)`);
    log(`check: ${kernel} agrees with the reference (worst error ${(worst * 100).toFixed(1)} % of tolerance)`);
  }
}

/** Peak bytes of one forward + backward of the reference: float64 states [b, l+1, d, n] and float64 outputs. */
function referenceBytes(s: Shape): number {
  const bld = s.b * s.l * s.d;
  return 8 * (s.b * (s.l + 1) * s.d * s.n + 6 * bld);
}

/** Time model used to extrapolate: seconds ∝ elements (· log₂ l for composed). */
function workUnits(kernel: ScanKernel, s: Shape): number {
  const e = s.b * s.l * s.d * s.n;
  return kernel === "composed" ? e * Math.max(1, Math.log2(s.l)) : e;
}

function median(v: number[]): number {
  const a = [...v].sort((p, q) => p - q);
  return a[Math.floor((a.length - 1) / 2)]!;
}

/** Times `once` (ms): repeats up to 5 times within about 2 s, returns the median. */
function timeIt(once: () => void): number {
  const times: number[] = [];
  let total = 0;
  do {
    const t0 = performance.now();
    once();
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
  } while (times.length < 5 && total + times[times.length - 1]! < 2000);
  return median(times);
}

export async function runScanBench(opts: ScanBenchOptions): Promise<ScanBenchResult> {
  const budget = opts.budgetSeconds ?? 20;
  const kernels = opts.kernels ?? SCAN_KERNELS;
  const grid = opts.quick ? QUICK_GRID : FULL_GRID;
  const log = opts.log;
  log(`scan bench on backend ${tf.getBackend()}, dState ${D_STATE}, budget ${budget} s per run`);
  checkCorrectness(kernels, log);

  // Seconds per work unit, per kernel: calibrated on a small shape, then updated by each run.
  // Peak tensor bytes per state element (b·l·d·n), for fused and composed: from tf.profile.
  const rate: Partial<Record<ScanKernel, number>> = {};
  const bytesPerElement: Partial<Record<ScanKernel, number>> = {};
  const calib = { b: 1, l: 128, d: 64, n: D_STATE };
  for (const kernel of kernels) {
    const ms = measure(kernel, calib);
    rate[kernel] = ms / 1000 / workUnits(kernel, calib);
    if (kernel !== "reference") bytesPerElement[kernel] = (await peakBytes(kernel, calib)) / (calib.b * calib.l * calib.d * calib.n);
  }
  log(
    `calibration: ${kernels.map((k) => `${k} ${(rate[k]! * 1e9).toFixed(1)} ns/unit${bytesPerElement[k] ? `, ${bytesPerElement[k]!.toFixed(0)} B/element peak` : ""}`).join("; ")}`,
  );

  const rows: ScanBenchRow[] = [];
  const skipped: Record<string, string> = {};
  for (const b of grid.b) {
    for (const d of grid.dInner) {
      for (const l of grid.l) {
        const s = { b, l, d, n: D_STATE };
        for (const kernel of kernels) {
          const key = `${kernel} ${b}×${d}×${l}`;
          const estSeconds = rate[kernel]! * workUnits(kernel, s);
          const estBytes = kernel === "reference" ? referenceBytes(s) : bytesPerElement[kernel]! * b * l * d * D_STATE;
          const limit = kernel === "reference" ? REFERENCE_MEMORY_LIMIT : tensorMemoryLimit();
          const row: ScanBenchRow = { kernel, b, dInner: d, dState: D_STATE, l, ms: null, elementsPerSec: null };
          if (kernel !== "fused" && estSeconds > budget) {
            skipped[key] = `est. ${estSeconds.toFixed(0)} s > ${budget} s`;
          } else if (estBytes > limit) {
            skipped[key] = `est. ${(estBytes / 2 ** 30).toFixed(1)} GiB > ${(limit / 2 ** 30).toFixed(1)} GiB`;
          } else {
            const ms = measure(kernel, s);
            rate[kernel] = ms / 1000 / workUnits(kernel, s);
            row.ms = ms;
            row.elementsPerSec = (b * l * d * D_STATE) / (ms / 1000);
          }
          rows.push(row);
          log(row.ms === null ? `${key}: skipped (${skipped[key]})` : `${key}: ${row.ms.toFixed(1)} ms`);
        }
      }
    }
  }
  return { rows, skipped };
}

/** Peak tensor bytes of one forward + backward through tfjs. */
async function peakBytes(kernel: ScanKernel, s: Shape): Promise<number> {
  const p = prepareTf(s, makeInputs(s), kernel);
  try {
    return (await tf.profile(() => void p.run(false))).peakBytes;
  } finally {
    p.dispose();
  }
}

/** Median forward + backward ms of `kernel` at shape `s` (after one untimed warm-up when cheap). */
function measure(kernel: ScanKernel, s: Shape): number {
  const x = makeInputs(s);
  if (kernel === "reference") {
    const once = () => void runReference(s, x);
    return timeIt(once);
  }
  const p = prepareTf(s, x, kernel);
  try {
    const first = timeIt(() => p.run(false));
    return first < 500 ? timeIt(() => p.run(false)) : first;
  } finally {
    p.dispose();
  }
}

/** The rows as an aligned text table, skipped runs marked. */
export function formatScanTable(result: ScanBenchResult): string {
  const head = ["kernel", "b", "dInner", "dState", "l", "fwd+bwd ms", "Melem/s", "vs reference"];
  const refMs = new Map<string, number>();
  for (const r of result.rows) if (r.kernel === "reference" && r.ms !== null) refMs.set(`${r.b}×${r.dInner}×${r.l}`, r.ms);
  const lines = result.rows.map((r) => {
    const key = `${r.kernel} ${r.b}×${r.dInner}×${r.l}`;
    const ref = refMs.get(`${r.b}×${r.dInner}×${r.l}`);
    return [
      r.kernel,
      String(r.b),
      String(r.dInner),
      String(r.dState),
      String(r.l),
      r.ms === null ? `skipped (${result.skipped[key] ?? ""})` : r.ms.toFixed(1),
      r.elementsPerSec === null ? "" : (r.elementsPerSec / 1e6).toFixed(1),
      r.ms !== null && ref !== undefined ? `${(ref / r.ms).toFixed(1)}×` : "",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}
