/**
 * wasm matMul: tfjs-backend-wasm's own BatchMatMul against the project's rewrite
 * (`src/kernels/matmul/register-wasm.ts`) on the shapes a tiny Meteor training step uses,
 * in the same run. Each pair is checked for agreement before it is timed.
 */
import * as tf from "../src/lib/tf.ts";
import { registerWasmMatMul, unregisterWasmMatMul } from "../src/kernels/matmul/register-wasm.ts";
import type { BenchOptions } from "./main.ts";

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
  for (const [name, sa, sb, ta, tb] of CASES) {
    const a = tf.randomNormal(sa);
    const b = tf.randomNormal(sb);
    unregisterWasmMatMul();
    const ref = tf.matMul(a, b, ta, tb);
    const originalMs = timeMs(() => tf.matMul(a, b, ta, tb), reps);
    registerWasmMatMul();
    const got = tf.matMul(a, b, ta, tb);
    const diff = tf.tidy(() => got.sub(ref).abs().max().dataSync()[0]!);
    if (!(diff <= 1e-3)) throw new Error(`matmul ${name}: rewrite disagrees with wasm's kernel by ${diff}`);
    const rewrittenMs = timeMs(() => tf.matMul(a, b, ta, tb), reps);
    tf.dispose([a, b, ref, got]);
    rows.push({ bench: "matmul", case: name, a: sa, b: sb, transposeA: ta, transposeB: tb, originalMs, rewrittenMs, speedup: originalMs / rewrittenMs });
    opts.log(`matmul ${name}: ${originalMs.toFixed(1)} → ${rewrittenMs.toFixed(1)} ms`);
  }
  return { rows };
}

export function formatMatMulTable({ rows }: { rows: MatMulRow[] }): string {
  const head = `${"case".padEnd(26)} ${"a".padEnd(14)} ${"b".padEnd(14)} ${"wasm ms".padStart(9)} ${"ours ms".padStart(9)} ${"speedup".padStart(8)}`;
  return [
    head,
    ...rows.map(
      (r) =>
        `${r.case.padEnd(26)} ${JSON.stringify(r.a).padEnd(14)} ${JSON.stringify(r.b).padEnd(14)} ${r.originalMs.toFixed(2).padStart(9)} ${r.rewrittenMs.toFixed(2).padStart(9)} ${`${r.speedup.toFixed(1)}×`.padStart(8)}`,
    ),
  ].join("\n");
}
