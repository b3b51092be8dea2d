/**
 * Glue for kernels written in plain TypeScript over typed arrays, registered for the
 * backends whose tensors live in CPU memory (`cpu`, and `wasm`'s heap). Reading copies the
 * values out; writing hands a fresh array to the backend. Nothing here does math.
 */
import type { DataType, KernelBackend, TensorInfo, TypedArray } from "@tensorflow/tfjs-core";

/** The backends a JS kernel is registered for. `backend` arguments below are a kernel's `backend` (typed `{}` by tfjs). */
export const JS_KERNEL_BACKENDS = ["cpu", "wasm"] as const;

/** The values of `t` as a typed array (a copy on wasm, the live buffer on cpu: never write to it). */
export function readValues(backend: object, t: TensorInfo): TypedArray {
  return (backend as KernelBackend).readSync(t.dataId) as TypedArray;
}

export function readF32(backend: object, t: TensorInfo): Float32Array {
  const v = readValues(backend, t);
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

export function readI32(backend: object, t: TensorInfo): Int32Array {
  const v = readValues(backend, t);
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
}

/**
 * A new tensor on `backend` holding `values` (ownership passes to the backend). The cpu
 * backend takes values through `makeTensorInfo`; the wasm backend has none and copies them
 * into its heap through `makeOutput(shape, dtype, memoryOffset, values)`.
 */
export function makeOutput(backend: object, shape: number[], dtype: DataType, values: TypedArray): TensorInfo {
  const b = backend as {
    makeTensorInfo?: (s: number[], d: DataType, v: TypedArray) => TensorInfo;
    makeOutput?: (s: number[], d: DataType, offset?: number, v?: TypedArray) => TensorInfo;
  };
  if (b.makeTensorInfo) return b.makeTensorInfo(shape, dtype, values);
  if (b.makeOutput) return b.makeOutput(shape, dtype, undefined, values);
  throw new Error("makeOutput: this backend can take neither makeTensorInfo nor makeOutput");
}
