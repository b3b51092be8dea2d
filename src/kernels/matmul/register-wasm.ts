/**
 * BatchMatMul for `wasm`, rewritten onto the one case its kernel runs fast.
 *
 * tfjs-backend-wasm 4.22 sends only an untransposed product of batch 1 to XNNPACK; a
 * transposed operand or a batch above 1 takes a plain loop that is 5–10× slower (measured by
 * `npm run bench -- matmul`: [2384, 96]·[192, 96]ᵀ 83 ms → 13 ms; [32, 298, 149]·[32, 149, 24]
 * 110 ms → ~15 ms). So: transposed operands are materialised with the Transpose kernel, and a
 * batch is multiplied slice by slice (each slice a copy within the wasm heap, as wasm's
 * Slice kernel is itself slow: 6 ms for a 44k-float slab; then one concat). The original
 * kernel still does every multiplication; this only rewrites its inputs.
 */
import { BatchMatMul, Concat, Reshape, Transpose, getKernel, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

let original: KernelFunc | null = null;
let transpose: KernelFunc | null = null;
let concat: KernelFunc | null = null;
let reshape: KernelFunc | null = null;

/** The parts of the wasm backend a heap copy needs (tfjs-backend-wasm 4.x internals). */
interface WasmInternals {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

/** x3[i] as a new [1, r, c] tensor: one contiguous copy inside the heap. */
function leadingSlice(backend: WasmInternals, x3: TensorInfo, i: number): TensorInfo {
  const [, r, c] = x3.shape as [number, number, number];
  const out = backend.makeOutput([1, r, c], "float32");
  const bytes = r * c * 4;
  const src = backend.dataIdMap.get(x3.dataId).memoryOffset + i * bytes;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
  backend.wasm.HEAPU8.copyWithin(dst, src, src + bytes); // read HEAPU8 after makeOutput: the heap may have grown
  return out;
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const sameShape = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((d, i) => d === y[i]);

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batch = Math.max(size(outerA), size(outerB));
  // Broadcast batch shapes other than "equal" or "one side is a single matrix" go to the original.
  const simpleBatch = sameShape(outerA, outerB) || size(outerA) === 1 || size(outerB) === 1;
  if ((!transposeA && !transposeB && batch === 1) || !simpleBatch) return original!({ inputs, backend, attrs });
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temps.push(t), t);
  const run = (k: KernelFunc, ins: Record<string, TensorInfo | TensorInfo[]>, at: object) =>
    keep(k({ inputs: ins as never, backend, attrs: at as never }) as TensorInfo);
  try {
    // [batch, rows, cols] views with transposes materialised
    const as3 = (x: TensorInfo, t: boolean): TensorInfo => {
      const r = x.shape.length;
      const x3 = run(reshape!, { x }, { shape: [size(x.shape.slice(0, -2)), x.shape[r - 2]!, x.shape[r - 1]!] });
      return t ? run(transpose!, { x: x3 }, { perm: [0, 2, 1] }) : x3;
    };
    const a3 = as3(a, transposeA);
    const b3 = as3(b, transposeB);
    const m = a3.shape[1]!;
    const n = b3.shape[2]!;
    const part = (x3: TensorInfo, i: number) => (x3.shape[0] === 1 ? x3 : keep(leadingSlice(backend as WasmInternals, x3, i)));
    const nn = { ...attrs, transposeA: false, transposeB: false };
    const parts: TensorInfo[] = [];
    for (let i = 0; i < batch; i++) parts.push(run(original!, { a: part(a3, i), b: part(b3, i) }, nn)); // [1, m, n]
    const joined = batch === 1 ? parts[0]! : run(concat!, parts as never, { axis: 0 }); // [batch, m, n]
    const outShape = [...(size(outerA) >= size(outerB) ? outerA : outerB), m, n];
    const out = reshape!({ inputs: { x: joined }, backend, attrs: { shape: outShape } as never }) as TensorInfo;
    return out;
  } finally {
    for (const t of temps) (backend as { disposeData(id: object): void }).disposeData(t.dataId);
  }
};

/** Wraps wasm's BatchMatMul once; a no-op when already wrapped or when wasm is absent. */
export function registerWasmMatMul(): void {
  const current = getKernel(BatchMatMul, "wasm");
  if (!current || current.kernelFunc === kernelFunc) return;
  // Wrapped before and since replaced by another kernel (the native one): leave that in place.
  if (original !== null && current.kernelFunc !== original) return;
  const t = getKernel(Transpose, "wasm");
  const cc = getKernel(Concat, "wasm");
  const rs = getKernel(Reshape, "wasm");
  if (!t || !cc || !rs) return;
  original = current.kernelFunc;
  transpose = t.kernelFunc;
  concat = cc.kernelFunc;
  reshape = rs.kernelFunc;
  unregisterKernel(BatchMatMul, "wasm");
  const config: KernelConfig = { ...current, kernelFunc };
  registerKernel(config);
}

/** Restores wasm's own BatchMatMul (for benchmarks that compare both). */
export function unregisterWasmMatMul(): void {
  const current = getKernel(BatchMatMul, "wasm");
  if (!current || current.kernelFunc !== kernelFunc || !original) return;
  unregisterKernel(BatchMatMul, "wasm");
  registerKernel({ ...current, kernelFunc: original });
}
