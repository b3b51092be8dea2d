/**
 * `BatchMatMul` on the native sgemm (`c/sgemm.c`) for `cpu` and `wasm`: float32 operands whose
 * batch shapes are equal or where one side is a single matrix (the shapes every layer and
 * gradient here produces). Anything else — other dtypes, general broadcasting — goes to the
 * kernel that was registered before (`fallback`).
 */
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { NativeKernels } from "./load.ts";
import { allocOutput, f32View } from "./tensor-views.ts";

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const sameShape = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((d, i) => d === y[i]);

export function nativeMatMulKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { inputs, backend, attrs } = call;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const simpleBatch = sameShape(outerA, outerB) || size(outerA) === 1 || size(outerB) === 1;
    if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2 || !simpleBatch) return fallback(call);
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (k !== kb) throw new Error(`BatchMatMul: inner dimensions differ: ${JSON.stringify(a.shape)}${transposeA ? "ᵀ" : ""} · ${JSON.stringify(b.shape)}${transposeB ? "ᵀ" : ""}`);
    const batchA = size(outerA);
    const batchB = size(outerB);
    const outer = batchA >= batchB ? outerA : outerB;
    const out = allocOutput(backend, [...outer, m, n]); // [...batch, m, n]
    native.matmul(
      f32View(backend, a), f32View(backend, b), f32View(backend, out),
      Math.max(batchA, batchB), m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0,
      batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n,
    );
    return out;
  };
}
