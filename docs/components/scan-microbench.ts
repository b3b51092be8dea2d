/**
 * A small selective-scan benchmark that runs in the page, over every scan kernel the
 * reader's browser offers: the fused kernels of each backend that initialises here (WebGPU
 * with both schedules, WebGL, wasm, cpu: the library's kernel table), the composed-ops scan
 * on the page's backend, and the float64 reference on plain arrays. Like `bench/scan.ts`
 * (and llm.c's dev/cuda mains) it checks every implementation against the reference before
 * it reports a time: forward outputs must agree within atol + rtol·|ref| (1e-4 + 1e-3·|ref|),
 * else the row is marked as failed.
 *
 * Timings: median of `reps` runs after one warm-up (which compiles GPU programs); forward =
 * `selectiveScan(…).y` read back; backward = `tf.grads` of the scan with a fixed dy (not for
 * the reference, which has no gradient). Inputs are deterministic, in the ranges the model
 * produces. The page's backend is restored at the end.
 */
import type * as MeteorBrowser from "./meteor-browser.ts";

type Lib = typeof MeteorBrowser;
type Tensor = MeteorBrowser.tf.Tensor;

export interface MicroBenchShape {
  /** batch */
  b: number;
  /** sequence length */
  l: number;
  /** channels (dInner) */
  d: number;
  /** state size (dState) */
  n: number;
}

export interface MicroBenchRow {
  impl: MeteorBrowser.ScanImpl;
  /** The tfjs backend the row ran on ("js" for the reference on plain arrays). */
  backend: string;
  b: number;
  l: number;
  d: number;
  n: number;
  forwardMs: number;
  /** Forward + backward; null for the reference (no gradient). */
  forwardBackwardMs: number | null;
  /** State updates per second of the forward: b·l·d·n / s. */
  elementsPerSec: number;
  /** Worst |out − ref| / (atol + rtol·|ref|); ≤ 1 passes. */
  worstError: number;
  ok: boolean;
}

const ATOL = 1e-4;
const RTOL = 1e-3;
const INPUTS = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias"] as const;

function inputs({ b, l, d, n }: MicroBenchShape, seed = 1) {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const uni = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
  return {
    u: { data: uni(b * l * d, -1, 1), shape: [b, l, d] }, // [b, l, d]
    delta: { data: uni(b * l * d, -3, 0), shape: [b, l, d] }, // [b, l, d]
    A: { data: Float32Array.from({ length: d * n }, (_, k) => -((k % n) + 1)), shape: [d, n] }, // [d, n]
    B: { data: uni(b * l * n, -1, 1), shape: [b, l, n] }, // [b, l, n]
    C: { data: uni(b * l * n, -1, 1), shape: [b, l, n] }, // [b, l, n]
    D: { data: uni(d, -1, 1), shape: [d] }, // [d]
    z: { data: uni(b * l * d, -2, 2), shape: [b, l, d] }, // [b, l, d]
    deltaBias: { data: uni(d, -4, -2), shape: [d] }, // [d]
    dy: { data: uni(b * l * d, -1, 1), shape: [b, l, d] }, // [b, l, d]
  };
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor((v.length - 1) / 2)]!;
const nextFrame = () => new Promise<void>((ok) => setTimeout(ok, 0));

async function time(reps: number, once: () => Promise<void>): Promise<number> {
  await once(); // warm-up (compiles WebGL programs, grows the wasm heap)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
    await nextFrame();
  }
  return median(ms);
}

/** Backends whose fused kernels the bench tries, fastest first. */
export const MICRO_BACKENDS = ["webgpu", "webgl", "wasm", "cpu"] as const;

export interface MicroBenchResult {
  rows: MicroBenchRow[];
  /** Backends that did not initialise here, with the reason. */
  unavailable: { backend: string; reason: string }[];
}

/**
 * Runs the reference, the fused kernels (and the chunked schedule where there is one) of
 * every backend in `backends` that initialises here, and the composed scan on the page's
 * backend, at `shape`.
 */
export async function scanMicroBench(
  lib: Lib,
  shape: MicroBenchShape,
  { reps = 3, backends = MICRO_BACKENDS }: { reps?: number; backends?: readonly string[] } = {},
): Promise<MicroBenchResult> {
  const { tf } = lib;
  const x = inputs(shape);
  const elements = shape.b * shape.l * shape.d * shape.n;
  const home = tf.getBackend() as MeteorBrowser.BackendName;
  const rows: MicroBenchRow[] = [];
  const unavailable: MicroBenchResult["unavailable"] = [];

  // The reference on plain arrays: the yardstick, and a row of its own.
  const refArgs = {
    ...(Object.fromEntries(INPUTS.map((k) => [k, x[k].data])) as Record<(typeof INPUTS)[number], Float32Array>),
    dims: shape,
    deltaSoftplus: true,
  };
  const refY = lib.selectiveScanReference(refArgs).y;
  const refMs = await time(reps, async () => void lib.selectiveScanReference(refArgs));
  rows.push({ impl: "reference", backend: "js", ...shape, forwardMs: refMs, forwardBackwardMs: null, elementsPerSec: elements / (refMs / 1000), worstError: 0, ok: true });

  /** Times `impl` on the active backend and appends its row. */
  const measure = async (impl: MeteorBrowser.ScanImpl) => {
    const t = Object.fromEntries(INPUTS.map((k) => [k, tf.tensor(x[k].data, x[k].shape)])) as Record<(typeof INPUTS)[number], Tensor>;
    const dy = tf.tensor(x.dy.data, x.dy.shape);
    const xs = INPUTS.map((k) => t[k]);
    const scan = (ins: Tensor[]) => {
      const a = Object.fromEntries(INPUTS.map((k, i) => [k, ins[i]!]));
      return lib.selectiveScan({ ...(a as unknown as Parameters<Lib["selectiveScan"]>[0]), deltaSoftplus: true, impl }).y;
    };
    try {
      await nextFrame();
      const y = scan(xs);
      const got = (await y.data()) as Float32Array;
      y.dispose();
      let worst = 0;
      for (let i = 0; i < refY.length; i++) worst = Math.max(worst, Math.abs(got[i]! - refY[i]!) / (ATOL + RTOL * Math.abs(refY[i]!)));
      const forwardMs = await time(reps, async () => {
        const out = scan(xs);
        await out.data();
        out.dispose();
      });
      const gradsOf = tf.grads((...ins: Tensor[]) => scan(ins));
      const forwardBackwardMs = await time(reps, async () => {
        const gs = gradsOf(xs, dy);
        await Promise.all(gs.map((g) => g.data()));
        tf.dispose(gs);
      });
      rows.push({ impl, backend: tf.getBackend(), ...shape, forwardMs, forwardBackwardMs, elementsPerSec: elements / (forwardMs / 1000), worstError: worst, ok: worst <= 1 });
    } finally {
      tf.dispose([...xs, dy]);
    }
  };

  try {
    for (const backend of backends) {
      try {
        await lib.initBackend({ backend: backend as MeteorBrowser.BackendName });
      } catch (err) {
        unavailable.push({ backend, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (!lib.fusedScanAvailable()) continue;
      await measure("fused");
      if (lib.chunkedScanAvailable()) await measure("chunked");
    }
    await lib.initBackend({ backend: home });
    await measure("composed");
  } finally {
    if (tf.getBackend() !== home) await lib.initBackend({ backend: home });
  }
  return { rows, unavailable };
}
