/**
 * The fused kernels of `../fused/declaration.ts` on the native addon (`c/norm.c`) for `cpu`
 * and `wasm`: outputs allocated first, then views taken and written in place.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { NormAttrs } from "../fused/declaration.ts";
import type { NativeKernels } from "./load.ts";
import { allocOutput, f32View } from "./tensor-views.ts";

/** [rows, d] of x [..., d], checking float32 and a [d] parameter. */
function rowsOf(kernel: string, x: TensorInfo, ...params: TensorInfo[]): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1];
  if (d === undefined || x.dtype !== "float32") throw new Error(`${kernel}: x must be float32 [..., d], got ${x.dtype} ${JSON.stringify(x.shape)}`);
  for (const p of params) if (p.shape.length !== 1 || p.shape[0] !== d || p.dtype !== "float32") throw new Error(`${kernel}: parameters must be float32 [${d}], got ${p.dtype} ${JSON.stringify(p.shape)}`);
  return { rows: x.shape.slice(0, -1).reduce((p, n) => p * n, 1), d };
}

export function nativeRmsNormKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, weight } = inputs as { x: TensorInfo; weight: TensorInfo };
    const { rows, d } = rowsOf("MeteorRmsNorm", x, weight);
    const y = allocOutput(backend, [...x.shape]); // [..., d]
    const rstd = allocOutput(backend, [rows]); // [rows]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.rmsnormForward(v(x), v(weight), v(y), v(rstd), rows, d, (attrs as unknown as NormAttrs).eps);
    return [y, rstd];
  };
}

export function nativeRmsNormGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, weight, rstd } = inputs as Record<"dy" | "x" | "weight" | "rstd", TensorInfo>;
    const { rows, d } = rowsOf("MeteorRmsNormGrad", x, weight);
    const dx = allocOutput(backend, [...x.shape]); // [..., d]
    const dw = allocOutput(backend, [d]); // [d]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.rmsnormBackward(v(dy), v(x), v(weight), v(rstd), v(dx), v(dw), rows, d);
    return [dx, dw];
  };
}

export function nativeLayerNormKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, weight, bias } = inputs as Record<"x" | "weight" | "bias", TensorInfo>;
    const { rows, d } = rowsOf("MeteorLayerNorm", x, weight, bias);
    const y = allocOutput(backend, [...x.shape]); // [..., d]
    const mean = allocOutput(backend, [rows]); // [rows]
    const rstd = allocOutput(backend, [rows]); // [rows]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.layernormForward(v(x), v(weight), v(bias), v(y), v(mean), v(rstd), rows, d, (attrs as unknown as NormAttrs).eps);
    return [y, mean, rstd];
  };
}

export function nativeLayerNormGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, weight, mean, rstd } = inputs as Record<"dy" | "x" | "weight" | "mean" | "rstd", TensorInfo>;
    const { rows, d } = rowsOf("MeteorLayerNormGrad", x, weight);
    const dx = allocOutput(backend, [...x.shape]); // [..., d]
    const dw = allocOutput(backend, [d]); // [d]
    const db = allocOutput(backend, [d]); // [d]
    const v = (t: TensorInfo) => f32View(backend, t);
    native.layernormBackward(v(dy), v(x), v(weight), v(mean), v(rstd), v(dx), v(dw), v(db), rows, d);
    return [dx, dw, db];
  };
}
