/**
 * The WebGPU rows of the scan bench (`scan.ts` calls `runGpuScanRows`): forward + backward of
 * the fused WebGPU kernels, sequential and chunked schedules ("webgpu-fused",
 * "webgpu-chunked"), on the grid of the CPU rows, when Dawn offers an adapter (`webgpu-node.ts`;
 * on Linux only where a Vulkan loader and driver are visible, e.g. SwiftShader through
 * VK_ICD_FILENAMES, so software adapters run too and are named in the log).
 *
 * As the other rows: both schedules are first checked against the float64 reference on a
 * small case (forward and every gradient) and a mismatch aborts the bench; then each shape
 * runs `tf.grads` of the op with dy given, every gradient read back (`await data()`), median
 * of a few repetitions after a warm-up that compiles the programs.
 *
 * Bandwidth: the scan is memory-bound, so each row also reports the bytes an ideal fused
 * forward + backward must move, 4·(11·b·l·d + 6·b·l·n) (forward reads u, Δ, z and B, C and
 * writes y; backward reads u, Δ, z, dy, B, C and writes du, dΔ, dz, dB, dC), divided by the
 * time; with `peakGBs` (`--peak-gbs`, the device's memory bandwidth in GB/s) the fraction of
 * the peak reached. The kernels move more than that ideal (checkpoints, packed outputs
 * copied into tensors, the replay scratch), so the fraction is a bound on headroom.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "@tensorflow/tfjs-core";
import { selectiveScan, type SelectiveScanArgs } from "../src/kernels/selective-scan/index.ts";
import { selectiveScanReference, selectiveScanReferenceBackward } from "../src/kernels/selective-scan/reference.ts";
import { registerNodeWebGPU, vulkanLikelyPresent } from "../src/lib/webgpu-node.ts";
import { SCAN_FLOAT_NAMES, makeScanInputs, scanInputShape, type ScanInputName, type ScanShape } from "./scan-inputs.ts";
import type { GpuScanKernel, GpuScanRow } from "./scan-row.ts";

const IMPL = { "webgpu-fused": "fused", "webgpu-chunked": "chunked" } as const;

export interface GpuScanOptions {
  grid: { b: number[]; dInner: number[]; l: number[] };
  dState: number;
  /** Skip a shape whose estimated time exceeds this many seconds. */
  budgetSeconds: number;
  /** The device's memory bandwidth, GB/s. */
  peakGBs?: number;
  log: (line: string) => void;
}

type Shape = ScanShape;
const NAMES = SCAN_FLOAT_NAMES;
/** The benchmark inputs with their shapes. */
function inputs(s: Shape, seed = 3) {
  const x = makeScanInputs(s, seed);
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, { v, shape: scanInputShape(k as ScanInputName, s) }])) as Record<ScanInputName, { v: Float32Array; shape: number[] }>;
}

/** Ideal bytes of one forward + backward (see the file comment). */
export function idealScanBytes(s: Shape): number {
  return 4 * (11 * s.b * s.l * s.d + 6 * s.b * s.l * s.n);
}

/** One forward + backward of `kernel` on the active backend; returns y and the gradients, read back. */
async function runOnce(x: ReturnType<typeof inputs>, kernel: GpuScanKernel, read: boolean) {
  const ts = NAMES.map((k) => tf.tensor(x[k].v, x[k].shape));
  const dy = tf.tensor(x.dy.v, x.dy.shape);
  const f = (...xs: Tensor[]) => {
    const a = Object.fromEntries(NAMES.map((k, i) => [k, xs[i]!])) as unknown as SelectiveScanArgs;
    return selectiveScan({ ...a, deltaSoftplus: true, impl: IMPL[kernel] }).y;
  };
  try {
    const y = read ? f(...ts) : null;
    const gs = tf.grads(f)(ts, dy);
    const grads = await Promise.all(gs.map((g) => g.data()));
    const out = read ? { y: await y!.data(), grads } : null;
    tf.dispose([...gs, ...(y ? [y] : [])]);
    return out;
  } finally {
    tf.dispose([...ts, dy]);
  }
}

/** Both schedules against the reference at a small shape; throws on a mismatch. */
async function check(log: (line: string) => void): Promise<void> {
  const s = { b: 2, l: 37, d: 5, n: 16 };
  const x = inputs(s, 7);
  const args = { ...Object.fromEntries(NAMES.map((k) => [k, x[k].v])), dims: s, deltaSoftplus: true } as Parameters<typeof selectiveScanReference>[0];
  const refY = selectiveScanReference(args).y;
  const refG = selectiveScanReferenceBackward({ ...args, dy: x.dy.v });
  const ratio = (a: ArrayLike<number>, r: ArrayLike<number>, atol: number, rtol: number) => {
    let w = 0;
    for (let i = 0; i < r.length; i++) w = Math.max(w, Math.abs(a[i]! - r[i]!) / (atol + rtol * Math.abs(r[i]!)));
    return w;
  };
  for (const kernel of ["webgpu-fused", "webgpu-chunked"] as const) {
    const got = (await runOnce(x, kernel, true))!;
    let worst = ratio(got.y, refY, 1e-5, 1e-4);
    NAMES.forEach((k, i) => {
      const r = refG[k]!;
      worst = Math.max(worst, ratio(got.grads[i]!, r, 5e-5 * Math.max(1, ...Array.from(r, Math.abs)), 5e-4));
    });
    if (!(worst <= 1)) throw new Error(`scan bench: ${kernel} disagrees with the reference (worst error ${worst.toFixed(2)}× tolerance)`);
    log(`check: ${kernel} agrees with the reference (worst error ${(worst * 100).toFixed(1)} % of tolerance)`);
  }
}

/**
 * The WebGPU rows, or none with the reason when no adapter is available. Runs on tfjs's
 * `webgpu` backend and puts the caller's backend back afterwards.
 */
export async function runGpuScanRows(opts: GpuScanOptions): Promise<{ rows: GpuScanRow[]; skipped?: Record<string, string>; unavailable?: string }> {
  if (!vulkanLikelyPresent()) return { rows: [], unavailable: "no Vulkan loader and driver visible (Linux: libvulkan1 and a GPU driver, or VK_ICD_FILENAMES)" };
  const adapter = await registerNodeWebGPU();
  if (!adapter) return { rows: [], unavailable: "Dawn found no adapter" };
  const home = tf.getBackend();
  if (!(await tf.setBackend("webgpu"))) return { rows: [], unavailable: "the webgpu backend failed to initialise" };
  const device = adapter.description || `${adapter.vendor} ${adapter.architecture}`;
  const log = opts.log;
  log(`webgpu rows on ${device}${adapter.hardware ? "" : " (a software adapter: timings say nothing about GPUs)"}${opts.peakGBs ? `, peak ${opts.peakGBs} GB/s` : ""}`);
  const rows: GpuScanRow[] = [];
  const skipped: Record<string, string> = {};
  try {
    await check(log);
    let nsPerElement = 0; // from the last run, to estimate the next
    for (const b of opts.grid.b) {
      for (const d of opts.grid.dInner) {
        for (const l of opts.grid.l) {
          const s = { b, l, d, n: opts.dState };
          const x = inputs(s);
          const elements = b * l * d * s.n;
          for (const kernel of ["webgpu-fused", "webgpu-chunked"] as const) {
            const row: GpuScanRow = { kernel, b, dInner: d, dState: s.n, l, ms: null, elementsPerSec: null, device, bytes: idealScanBytes(s), gbPerSec: null, peakFraction: null };
            rows.push(row);
            if (nsPerElement * elements * 1e-9 > opts.budgetSeconds) {
              skipped[`${kernel} ${b}×${d}×${l}`] = `est. ${(nsPerElement * elements * 1e-9).toFixed(0)} s > ${opts.budgetSeconds} s`;
              log(`${kernel} ${b}×${d}×${l}: skipped (${skipped[`${kernel} ${b}×${d}×${l}`]})`);
              continue;
            }
            await runOnce(x, kernel, false); // warm-up: compiles the programs
            const times: number[] = [];
            for (let r = 0; r < 3; r++) {
              const t0 = performance.now();
              await runOnce(x, kernel, false);
              times.push(performance.now() - t0);
            }
            const ms = times.sort((p, q) => p - q)[1]!;
            nsPerElement = (ms * 1e6) / elements;
            row.ms = ms;
            row.elementsPerSec = elements / (ms / 1000);
            row.gbPerSec = row.bytes / (ms / 1000) / 1e9;
            row.peakFraction = opts.peakGBs ? row.gbPerSec / opts.peakGBs : null;
            log(`${kernel} ${b}×${d}×${l}: ${ms.toFixed(1)} ms, ${row.gbPerSec.toPrecision(3)} GB/s${row.peakFraction !== null ? ` (${(100 * row.peakFraction).toPrecision(2)} % of peak)` : ""}`);
          }
        }
      }
    }
  } finally {
    await tf.setBackend(home);
  }
  return { rows, skipped };
}

/** Lines for the bench table's notes: each measured WebGPU row's bandwidth (and fraction of peak). */
export function formatGpuNotes(rows: readonly { kernel: string }[]): string[] {
  const gpu = rows.filter((r): r is GpuScanRow => r.kernel.startsWith("webgpu-") && (r as GpuScanRow).gbPerSec !== null);
  if (gpu.length === 0) return [];
  return [
    `webgpu on ${gpu[0]!.device}: ideal bytes moved ÷ time${gpu[0]!.peakFraction !== null ? " (fraction of --peak-gbs)" : ""}:`,
    ...gpu.map((r) => `  ${r.kernel} ${r.b}×${r.dInner}×${r.l}: ${r.gbPerSec!.toPrecision(3)} GB/s${r.peakFraction !== null ? `, ${(100 * r.peakFraction).toPrecision(2)} %` : ""}`),
  ];
}
