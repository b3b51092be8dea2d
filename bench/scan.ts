/**
 * Selective-scan benchmark: forward + backward time of the reference, the fused JS kernel,
 * the fused native C kernel, the composed scan, and the peers (`scan-peers.ts`: a plain C
 * loop, PyTorch CPU's textbook loop and `selective_scan_ref`) over a grid of (b, dInner, l)
 * at dState = 16, in one run on one backend. The native kernel, the C loop and PyTorch run on
 * one thread (`threads`), so the ratios compare code, not core counts.
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
 * A run other than the fused native kernel's whose estimated time exceeds the budget (default 4 s;
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
import { loadNative } from "../src/kernels/native/load.ts";
import { registerNativeKernels, unregisterNativeKernels } from "../src/kernels/native/register.ts";
import { SCAN_FLOAT_NAMES, makeScanInputs, scanInputShape, type ScanShape } from "./scan-inputs.ts";
import { buildCPeer, runCPeer, runTorchPeer, runTorchPeerGrid, torchVersion } from "./scan-peers.ts";
import { formatGpuNotes, runGpuScanRows } from "./scan-gpu.ts";
import type { GpuScanRow, ScanBenchRow, ScanKernel } from "./scan-row.ts";

export type { ScanBenchRow, ScanKernel } from "./scan-row.ts";
export const SCAN_KERNELS: readonly ScanKernel[] = ["reference", "fused-js", "fused-native", "composed", "c-loop", "torch-loop", "torch-ref"];
const TF_KERNELS = new Set<ScanKernel>(["fused-js", "fused-native", "composed"]);

export interface ScanBenchOptions {
  /** Small grid (b ∈ {1, 4}, dInner ∈ {256, 768}, l ∈ {256, 1024}). */
  quick: boolean;
  /** Skip a run whose estimated time exceeds this many seconds. Default 4. */
  budgetSeconds?: number;
  /** Kernels to run. Default all (those that cannot run here are left out with a message). */
  kernels?: readonly ScanKernel[];
  /** Threads of the native kernel and the peers. Default 1. */
  threads?: number;
  /** GPU memory bandwidth in GB/s, for the WebGPU rows' fraction of peak (`scan-gpu.ts`). */
  peakGBs?: number;
  /** Progress lines (stderr at the CLI). */
  log: (line: string) => void;
}

export interface ScanBenchResult {
  rows: (ScanBenchRow | GpuScanRow)[];
  /** Why each skipped row was skipped, keyed `${kernel} b×dInner×l`. */
  skipped: Record<string, string>;
  /** Kernels left out entirely, with the reason. */
  unavailable: Record<string, string>;
  /** Threads of the native kernel and the peers. */
  threads: number;
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

type Shape = ScanShape;
type Inputs = ReturnType<typeof makeScanInputs>;

/** Reference forward and backward on plain arrays; returns y and the gradients. */
function runReference(s: Shape, x: Inputs) {
  const args = { ...x, dims: s, deltaSoftplus: true };
  const fwd = selectiveScanReference(args);
  const grads = selectiveScanReferenceBackward({ ...args, dy: x.dy });
  return { y: fwd.y, grads };
}

/** A prepared tfjs run of `impl`: call `run()` for one forward + backward; `dispose()` after. */
function prepareTf(s: Shape, x: Inputs, kernel: ScanKernel) {
  useKernels(kernel);
  const impl: ScanImpl = kernel === "composed" ? "composed" : "fused";
  const t: Record<string, Tensor> = {};
  for (const k of SCAN_FLOAT_NAMES) t[k] = tf.tensor(x[k], scanInputShape(k, s));
  const dy = tf.tensor(x.dy, scanInputShape("dy", s));
  const f = (...xs: Tensor[]) => {
    const a = {} as Record<string, Tensor>;
    SCAN_FLOAT_NAMES.forEach((k, i) => (a[k] = xs[i]!));
    return selectiveScan({ ...(a as unknown as SelectiveScanArgs), deltaSoftplus: true, impl }).y;
  };
  const xs = SCAN_FLOAT_NAMES.map((k) => t[k]!);
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
      const out = { y: y!.dataSync(), grads: Object.fromEntries(SCAN_FLOAT_NAMES.map((k, i) => [k, gs[i]!.dataSync()])) };
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
  const x = makeScanInputs(s, 7);
  const ref = runReference(s, x);
  for (const kernel of kernels) {
    if (!TF_KERNELS.has(kernel)) continue;
    const p = prepareTf(s, x, kernel);
    const got = p.run(true)!;
    p.dispose();
    let worst = worstRatio(got.y, ref.y, 1e-5, 1e-4);
    for (const k of SCAN_FLOAT_NAMES) {
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
  if (kernel === "torch-loop") return s.b * s.l * s.d * s.n + 2000 * s.l; // plus per-step Python overhead
  return kernel === "composed" ? e * Math.max(1, Math.log2(s.l)) : e;
}

function median(v: number[]): number {
  const a = [...v].sort((p, q) => p - q);
  return a[Math.floor((a.length - 1) / 2)]!;
}

/** Times `once` (ms): repeats up to 3 times within about 1 s, returns the median (few repeats keep the whole bench within 15 minutes on a loaded 2-core machine). */
function timeIt(once: () => void): number {
  const times: number[] = [];
  let total = 0;
  do {
    const t0 = performance.now();
    once();
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
  } while (times.length < 3 && total + times[times.length - 1]! < 1000);
  return median(times);
}

/** What the run uses: the native thread count, the C peer's binary, and which kernels can run. */
interface Setup {
  threads: number;
  cPeer: string | null;
}
let setup: Setup = { threads: 1, cPeer: null };

/** Registers the JS or native scan kernels for `kernel` (tf kernels only). */
function useKernels(kernel: ScanKernel): void {
  if (kernel === "fused-native") {
    registerNativeKernels();
    loadNative()!.setThreads(setup.threads);
  } else if (kernel === "fused-js") {
    unregisterNativeKernels();
  }
}

/** Leaves out the kernels that cannot run here, saying why. */
function available(wanted: readonly ScanKernel[], unavailable: Record<string, string>): ScanKernel[] {
  const torch = wanted.some((k) => k.startsWith("torch")) ? torchVersion() : { version: "" };
  const c = wanted.includes("c-loop") ? buildCPeer() : { path: "" };
  setup.cPeer = "path" in c ? c.path : null;
  return wanted.filter((k) => {
    let why: string | null = null;
    if (k === "fused-native" && !loadNative()) why = "native addon not built (npm run build:native)";
    if (k === "c-loop" && "error" in c) why = c.error;
    if (k.startsWith("torch") && "error" in torch) why = torch.error;
    if (why) unavailable[k] = why;
    return why === null;
  });
}

export async function runScanBench(opts: ScanBenchOptions): Promise<ScanBenchResult> {
  const budget = opts.budgetSeconds ?? 4;
  const grid = opts.quick ? QUICK_GRID : FULL_GRID;
  const log = opts.log;
  const native = loadNative();
  const restoreThreads = native?.info().threads ?? 1;
  const nativeWasActive = native !== null && tf.getKernel("MeteorSelectiveScan", tf.getBackend())?.kernelFunc !== undefined;
  setup = { threads: opts.threads ?? 1, cPeer: null };
  const unavailable: Record<string, string> = {};
  const kernels = available(opts.kernels ?? SCAN_KERNELS, unavailable);
  for (const [k, why] of Object.entries(unavailable)) log(`scan bench: ${k} left out: ${why}`);
  log(`scan bench on backend ${tf.getBackend()}, dState ${D_STATE}, ${setup.threads} thread(s) for native and peers, budget ${budget} s per run`);
  try {
    const result = await runGrid(kernels, grid, budget, log, unavailable);
    const gpu = await runGpuScanRows({ grid, dState: D_STATE, budgetSeconds: budget, ...(opts.peakGBs ? { peakGBs: opts.peakGBs } : {}), log });
    if (gpu.unavailable) log(`scan bench: webgpu rows left out: ${(unavailable["webgpu"] = gpu.unavailable)}`);
    result.rows.push(...gpu.rows);
    Object.assign(result.skipped, gpu.skipped);
    return result;
  } finally {
    native?.setThreads(restoreThreads);
    if (nativeWasActive) registerNativeKernels();
  }
}

async function runGrid(
  kernels: readonly ScanKernel[],
  grid: typeof FULL_GRID,
  budget: number,
  log: (line: string) => void,
  unavailable: Record<string, string>,
): Promise<ScanBenchResult> {
  checkCorrectness(kernels, log);

  // Seconds per work unit, per kernel: calibrated on a small shape, then updated by each run.
  // Peak tensor bytes per state element (b·l·d·n), for fused and composed: from tf.profile.
  const rate: Partial<Record<ScanKernel, number>> = {};
  const bytesPerElement: Partial<Record<ScanKernel, number>> = {};
  const calib = { b: 1, l: 128, d: 64, n: D_STATE };
  for (const kernel of kernels) {
    const ms = measure(kernel, calib);
    rate[kernel] = ms / 1000 / workUnits(kernel, calib);
    if (TF_KERNELS.has(kernel)) bytesPerElement[kernel] = (await peakBytes(kernel, calib)) / (calib.b * calib.l * calib.d * calib.n);
  }
  log(
    `calibration: ${kernels.map((k) => `${k} ${(rate[k]! * 1e9).toFixed(1)} ns/unit${bytesPerElement[k] ? `, ${bytesPerElement[k]!.toFixed(0)} B/element peak` : ""}`).join("; ")}`,
  );

  // The torch peers run every shape in one process each (see runTorchPeerGrid), up front.
  const shapes = grid.b.flatMap((b) => grid.dInner.flatMap((d) => grid.l.map((l) => ({ b, l, d, n: D_STATE }))));
  const torchMs = new Map<string, { ms: number | null; est: number }>();
  for (const kernel of kernels.filter((k) => k === "torch-loop" || k === "torch-ref")) {
    const fits = shapes.filter((s) => peerBytes(kernel, s) <= REFERENCE_MEMORY_LIMIT);
    const which = kernel === "torch-loop" ? "loop" : "ref";
    const out = runTorchPeerGrid(fits, { reps: 2, threads: setup.threads, which, budgetSeconds: budget, secondsPerUnit: rate[kernel]! });
    fits.forEach((s, i) => torchMs.set(`${kernel} ${s.b}×${s.d}×${s.l}`, { ms: out.ms[i]!, est: out.estSeconds[i]! }));
  }

  const rows: ScanBenchRow[] = [];
  const skipped: Record<string, string> = {};
  for (const b of grid.b) {
    for (const d of grid.dInner) {
      for (const l of grid.l) {
        const s = { b, l, d, n: D_STATE };
        for (const kernel of kernels) {
          const key = `${kernel} ${b}×${d}×${l}`;
          const estSeconds = rate[kernel]! * workUnits(kernel, s);
          const estBytes = TF_KERNELS.has(kernel) ? bytesPerElement[kernel]! * b * l * d * D_STATE : peerBytes(kernel, s);
          const limit = TF_KERNELS.has(kernel) ? tensorMemoryLimit() : REFERENCE_MEMORY_LIMIT;
          const row: ScanBenchRow = { kernel, b, dInner: d, dState: D_STATE, l, ms: null, elementsPerSec: null };
          const fromTorch = torchMs.get(key);
          if (fromTorch?.ms === null) {
            skipped[key] = `est. ${fromTorch.est.toFixed(0)} s > ${budget} s`;
          } else if (fromTorch) {
            row.ms = fromTorch.ms;
            row.elementsPerSec = (b * l * d * D_STATE) / (fromTorch.ms / 1000);
          } else if (kernel !== "fused-native" && estSeconds > budget) {
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
  return { rows, skipped, unavailable, threads: setup.threads };
}

/** Peak bytes of a non-tfjs run: the reference's float64 states, the C peer's float32 states of one row, PyTorch's [b, d, l, n] tensors. */
function peerBytes(kernel: ScanKernel, s: Shape): number {
  const e = s.b * s.l * s.d * s.n;
  if (kernel === "reference") return referenceBytes(s);
  if (kernel === "c-loop") return 4 * (s.l + 1) * s.d * s.n + 4 * 12 * s.b * s.l * s.d;
  if (kernel === "torch-ref") return 4 * 8 * e; // e^{ΔA}, ΔBu, their gradients, the stacked states
  return 4 * 6 * e; // torch-loop: autograd keeps every step's state and products
}

/** Peak tensor bytes of one forward + backward through tfjs. */
async function peakBytes(kernel: ScanKernel, s: Shape): Promise<number> {
  const p = prepareTf(s, makeScanInputs(s), kernel);
  try {
    return (await tf.profile(() => void p.run(false))).peakBytes;
  } finally {
    p.dispose();
  }
}

/** Forward + backward ms of `kernel` at shape `s`: the faster of two runs where a second is cheap (the first warms up). */
function measure(kernel: ScanKernel, s: Shape): number {
  if (kernel === "c-loop") return runCPeer(setup.cPeer!, s, 2);
  if (kernel === "torch-loop" || kernel === "torch-ref") {
    const which = kernel === "torch-loop" ? "loop" : "ref";
    return runTorchPeer(s, 2, setup.threads, [which])[which]!;
  }
  const x = makeScanInputs(s);
  if (kernel === "reference") {
    const once = () => void runReference(s, x);
    return timeIt(once);
  }
  const p = prepareTf(s, x, kernel);
  try {
    const first = timeIt(() => p.run(false));
    // The first call of a large shape also pays for growing the wasm heap (0.3–1.3 s at
    // 4×768×1024): the native kernel, cheap to repeat, is timed again as the C peer is (2 runs).
    if (first < 500 || kernel === "fused-native") return Math.min(first, timeIt(() => p.run(false)));
    return first;
  } finally {
    p.dispose();
  }
}

/** The rows as an aligned text table, skipped runs marked. */
export function formatScanTable(result: ScanBenchResult): string {
  const head = ["kernel", "b", "dInner", "dState", "l", "fwd+bwd ms", "Melem/s", "vs reference", "vs C loop"];
  const refMs = new Map<string, number>();
  const cMs = new Map<string, number>();
  for (const r of result.rows) if (r.kernel === "reference" && r.ms !== null) refMs.set(`${r.b}×${r.dInner}×${r.l}`, r.ms);
  for (const r of result.rows) if (r.kernel === "c-loop" && r.ms !== null) cMs.set(`${r.b}×${r.dInner}×${r.l}`, r.ms);
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
      r.ms !== null && cMs.has(`${r.b}×${r.dInner}×${r.l}`) ? `${(cMs.get(`${r.b}×${r.dInner}×${r.l}`)! / r.ms).toFixed(2)}×` : "",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  const notes = [
    `native kernel and peers on ${result.threads} thread(s); "vs" columns: that kernel's speed relative to the column's (higher is faster)`,
    ...Object.entries(result.unavailable).map(([k, why]) => `${k}: not run (${why})`),
  ];
  const ratio = scanRatios(result.rows);
  if (ratio.scanVsC !== null) notes.push(`fused-native vs C loop (geometric mean over shapes): ${ratio.scanVsC.toFixed(2)}×`);
  if (ratio.scanVsTorch !== null) notes.push(`fused-native vs PyTorch loop: ${ratio.scanVsTorch.toFixed(1)}×`);
  notes.push(...formatGpuNotes(result.rows));
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt), "", ...notes].join("\n");
}

/** Geometric mean over the shapes both ran of peer ms ÷ ours ms (ours = fused-native, else fused-js): > 1 means ours is faster. */
export function scanRatios(rows: readonly ScanBenchRow[]): { scanVsC: number | null; scanVsTorch: number | null } {
  const ms = new Map<string, number>();
  for (const r of rows) if (r.ms !== null) ms.set(`${r.kernel} ${r.b}×${r.dInner}×${r.l}`, r.ms);
  const ours = rows.some((r) => r.kernel === "fused-native" && r.ms !== null) ? "fused-native" : "fused-js";
  const geo = (peer: ScanKernel): number | null => {
    const logs: number[] = [];
    for (const r of rows) {
      if (r.kernel !== ours || r.ms === null) continue;
      const p = ms.get(`${peer} ${r.b}×${r.dInner}×${r.l}`);
      if (p !== undefined) logs.push(Math.log(p / r.ms));
    }
    return logs.length ? Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) : null;
  };
  return { scanVsC: geo("c-loop"), scanVsTorch: geo("torch-loop") };
}
