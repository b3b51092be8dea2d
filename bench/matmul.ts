/**
 * wasm matMul: tfjs-backend-wasm's own BatchMatMul, the project's JS rewrite
 * (`src/kernels/matmul/register-wasm.ts`) and the native sgemm (`src/kernels/native`, on the
 * threads it is configured for) on the shapes a tiny Meteor training step uses, in the same
 * run, with GFLOP/s. Each is checked against wasm's own before it is timed.
 */
import * as tf from "../src/lib/tf.ts";
import { registerWasmMatMul, unregisterWasmMatMul } from "../src/kernels/matmul/register-wasm.ts";
import { loadNative } from "../src/kernels/native/load.ts";
import { nativeKernelsActive, registerNativeKernels, unregisterNativeKernels } from "../src/kernels/native/register.ts";
import type { BenchOptions } from "./options.ts";

export interface MatMulRow {
  bench: "matmul";
  case: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  originalMs: number;
  rewrittenMs: number;
  speedup: number;
  /** Native sgemm; null when the addon is not built. */
  nativeMs: number | null;
  /** 2·m·k·n·batch / native seconds (else the rewrite's), in GFLOP/s. */
  gflops: number;
}

const CASES: [string, number[], number[], boolean, boolean][] = [
  ["x·Wᵀ (linear forward)", [2384, 96], [192, 96], false, true],
  ["dY·W (linear dX)", [2384, 192], [192, 96], false, false],
  ["dYᵀ·X (linear dW)", [2384, 192], [2384, 96], true, false],
  ["q·kᵀ (attention scores)", [32, 298, 24], [32, 149, 24], false, true],
  ["p·v (attention context)", [32, 298, 149], [32, 149, 24], false, false],
];

function timeMs(f: () => tf.Tensor, reps: number): number {
  for (let i = 0; i < 2; i++) f().dispose();
  const t = performance.now();
  for (let i = 0; i < reps; i++) {
    const r = f();
    r.dataSync();
    r.dispose();
  }
  return (performance.now() - t) / reps;
}

export async function runMatMulBench(opts: BenchOptions): Promise<{ rows: MatMulRow[] }> {
  if (tf.getBackend() !== "wasm") {
    opts.log(`matmul: skipped (backend is ${tf.getBackend()}, the rewrite is for wasm)`);
    return { rows: [] };
  }
  const reps = opts.quick ? 3 : 10;
  const rows: MatMulRow[] = [];
  const wasNative = nativeKernelsActive("wasm");
  for (const [name, sa, sb, ta, tb] of CASES) {
    const a = tf.randomNormal(sa);
    const b = tf.randomNormal(sb);
    unregisterNativeKernels();
    unregisterWasmMatMul();
    const ref = tf.matMul(a, b, ta, tb);
    const originalMs = timeMs(() => tf.matMul(a, b, ta, tb), reps);
    registerWasmMatMul();
    const got = tf.matMul(a, b, ta, tb);
    const diff = tf.tidy(() => got.sub(ref).abs().max().dataSync()[0]!);
    if (!(diff <= 1e-3)) throw new Error(`matmul ${name}: rewrite disagrees with wasm's kernel by ${diff}`);
    const rewrittenMs = timeMs(() => tf.matMul(a, b, ta, tb), reps);
    let nativeMs: number | null = null;
    if (loadNative() && registerNativeKernels()) {
      const nat = tf.matMul(a, b, ta, tb);
      const nd = tf.tidy(() => nat.sub(ref).abs().max().dataSync()[0]!);
      nat.dispose();
      if (!(nd <= 1e-3)) throw new Error(`matmul ${name}: native sgemm disagrees with wasm's kernel by ${nd}`);
      nativeMs = timeMs(() => tf.matMul(a, b, ta, tb), reps);
    }
    const flops = 2 * sa.reduce((p, d) => p * d, 1) * (tb ? sb[sb.length - 2]! : sb[sb.length - 1]!);
    tf.dispose([a, b, ref, got]);
    const best = nativeMs ?? rewrittenMs;
    rows.push({ bench: "matmul", case: name, a: sa, b: sb, transposeA: ta, transposeB: tb, originalMs, rewrittenMs, speedup: originalMs / rewrittenMs, nativeMs, gflops: flops / (best / 1000) / 1e9 });
    opts.log(`matmul ${name}: wasm ${originalMs.toFixed(1)}, rewrite ${rewrittenMs.toFixed(1)}, native ${nativeMs?.toFixed(1) ?? "—"} ms`);
  }
  if (wasNative) registerNativeKernels();
  else unregisterNativeKernels();
  return { rows };
}

export function formatMatMulTable({ rows }: { rows: MatMulRow[] }): string {
  const head = `${"case".padEnd(26)} ${"a".padEnd(14)} ${"b".padEnd(14)} ${"wasm ms".padStart(9)} ${"JS ms".padStart(9)} ${"native ms".padStart(10)} ${"vs wasm".padStart(8)} ${"GFLOP/s".padStart(8)}`;
  return [
    head,
    ...rows.map(
      (r) =>
        `${r.case.padEnd(26)} ${JSON.stringify(r.a).padEnd(14)} ${JSON.stringify(r.b).padEnd(14)} ${r.originalMs.toFixed(2).padStart(9)} ${r.rewrittenMs.toFixed(2).padStart(9)} ${(r.nativeMs?.toFixed(2) ?? "—").padStart(10)} ${`${(r.originalMs / (r.nativeMs ?? r.rewrittenMs)).toFixed(1)}×`.padStart(8)} ${r.gflops.toFixed(1).padStart(8)}`,
    ),
  ].join("\n");
}
