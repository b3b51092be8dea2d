/**
 * A small selective-scan benchmark that runs in the page, on whichever backend the browser
 * got. Like `bench/scan.ts` (and llm.c's dev/cuda mains) it checks every implementation
 * against the float64 reference before it reports a time: forward outputs must agree
 * within atol + rtol·|ref| (1e-4 + 1e-3·|ref|), else the row is marked as failed.
 *
 * Timings: median of `reps` runs after one warm-up; forward = `selectiveScan(…).y` read
 * back; backward = `tf.grads` of the scan with a fixed dy (fused and composed only: the
 * reference has no gradient). Inputs are deterministic, in the ranges the model produces.
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

/** Runs reference, fused (where registered for the active backend) and composed at `shape`. */
export async function scanMicroBench(lib: Lib, shape: MicroBenchShape, { reps = 3 }: { reps?: number } = {}): Promise<MicroBenchRow[]> {
  const { tf } = lib;
  const x = inputs(shape);
  const t = Object.fromEntries(INPUTS.map((k) => [k, tf.tensor(x[k].data, x[k].shape)])) as Record<(typeof INPUTS)[number], Tensor>;
  const dy = tf.tensor(x.dy.data, x.dy.shape);
  const backend = tf.getBackend();
  const impls: MeteorBrowser.ScanImpl[] = ["reference", ...(lib.fusedScanAvailable() ? (["fused"] as const) : []), "composed"];
  const scan = (impl: MeteorBrowser.ScanImpl, xs: Tensor[]) => {
    const a = Object.fromEntries(INPUTS.map((k, i) => [k, xs[i]!]));
    return lib.selectiveScan({ ...(a as unknown as Parameters<Lib["selectiveScan"]>[0]), deltaSoftplus: true, impl }).y;
  };
  const xs = INPUTS.map((k) => t[k]);
  const rows: MicroBenchRow[] = [];
  try {
    const ref = scan("reference", xs);
    const refY = (await ref.data()) as Float32Array;
    ref.dispose();
    for (const impl of impls) {
      await nextFrame();
      const y = scan(impl, xs);
      const got = (await y.data()) as Float32Array;
      y.dispose();
      let worst = 0;
      for (let i = 0; i < refY.length; i++) worst = Math.max(worst, Math.abs(got[i]! - refY[i]!) / (ATOL + RTOL * Math.abs(refY[i]!)));
      const forwardMs = await time(reps, async () => {
        const out = scan(impl, xs);
        await out.data();
        out.dispose();
      });
      let forwardBackwardMs: number | null = null;
      if (impl !== "reference") {
        const gradsOf = tf.grads((...ins: Tensor[]) => scan(impl, ins));
        forwardBackwardMs = await time(reps, async () => {
          const gs = gradsOf(xs, dy);
          await Promise.all(gs.map((g) => g.data()));
          tf.dispose(gs);
        });
      }
      const elements = shape.b * shape.l * shape.d * shape.n;
      rows.push({ impl, backend, ...shape, forwardMs, forwardBackwardMs, elementsPerSec: elements / (forwardMs / 1000), worstError: worst, ok: worst <= 1 });
    }
  } finally {
    tf.dispose([...xs, dy]);
  }
  return rows;
}
