/**
 * Typed-array views of tensor storage for native calls, without copies: the cpu backend's
 * own arrays, or windows on the wasm heap. Nothing here does math.
 *
 * Order matters on wasm: allocating a tensor may grow the heap, which detaches every view
 * taken before. Allocate all outputs first (`allocOutput`), then take views (`viewOf`).
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";

interface CpuInternals {
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array | Int32Array): TensorInfo;
  data: { get(id: object): { values: unknown } };
}

interface WasmInternals {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

function isWasm(backend: object): backend is WasmInternals {
  return "dataIdMap" in backend && "wasm" in backend;
}

/** A new float32/int32 tensor on `backend`, contents unspecified until written through its view. */
export function allocOutput(backend: object, shape: number[], dtype: "float32" | "int32" = "float32"): TensorInfo {
  if (isWasm(backend)) return backend.makeOutput(shape, dtype);
  const size = sizeOf(shape);
  return (backend as CpuInternals).makeTensorInfo(shape, dtype, dtype === "int32" ? new Int32Array(size) : new Float32Array(size));
}

/** The live storage of `t` (float32 or int32). Writing to an input's view changes that tensor: only write outputs. */
export function viewOf(backend: object, t: TensorInfo): Float32Array | Int32Array {
  const size = sizeOf(t.shape);
  if (isWasm(backend)) {
    const offset = backend.dataIdMap.get(t.dataId).memoryOffset;
    const buffer = backend.wasm.HEAPU8.buffer;
    return t.dtype === "int32" ? new Int32Array(buffer, offset, size) : new Float32Array(buffer, offset, size);
  }
  const values = (backend as CpuInternals).data.get(t.dataId).values;
  if (values instanceof Float32Array || values instanceof Int32Array) return values;
  throw new Error(`viewOf: tensor storage is ${Object.prototype.toString.call(values)}, not a Float32Array or Int32Array`);
}

export function f32View(backend: object, t: TensorInfo): Float32Array {
  const v = viewOf(backend, t);
  if (!(v instanceof Float32Array)) throw new Error(`native kernel: expected a float32 tensor, got ${t.dtype}`);
  return v;
}
