/**
 * Layout kernels on the native strided copy (`c/copy.c`) for `cpu` and `wasm`: `Slice`,
 * `SplitV`, `Concat`, `GatherV2` (batchDims 0), `PadV2` (constant; Slice's gradient) of float32 or int32 tensors (moved bit for bit, so results are exactly
 * the JS kernels'), and on wasm an `Identity` that shares its input's storage as `Reshape`
 * does (the wasm one copies). Their gradients are tfjs's own (Slice → Pad, SplitV → Concat,
 * Concat → slices). Other dtypes go to the kernel registered before (`fallback`).
 *
 * Why: wasm's Slice copies one innermost row per JS call (`set(subarray)`), so splitting
 * `x_proj`'s [b·l, r + 2n] output or the conv taps costs milliseconds per launch; SplitV
 * and Concat reuse it.
 */
import { slice_util, util, type ConcatAttrs, type GatherV2Attrs, type PadV2Attrs, type KernelFunc, type SliceAttrs, type SplitVAttrs, type TensorInfo, type UnsortedSegmentSumAttrs } from "@tensorflow/tfjs-core";
import type { NativeKernels } from "./load.ts";
import { allocOutput, viewOf } from "./tensor-views.ts";

/** One axis of a copy: element count and the stride on each side. */
interface CopyAxis {
  count: number;
  src: number;
  dst: number;
}

const rowMajor = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) s[a] = s[a + 1]! * shape[a + 1]!;
  return s;
};

/**
 * The `meta` argument of `copyStrided` for a copy of `count` elements per axis with the given
 * strides and offsets, with unit axes dropped and contiguous neighbours merged.
 */
export function copyMeta(count: readonly number[], srcStride: readonly number[], dstStride: readonly number[], srcOffset: number, dstOffset: number): Float64Array {
  const axes: CopyAxis[] = [];
  count.forEach((c, a) => {
    if (c !== 1) axes.push({ count: c, src: srcStride[a]!, dst: dstStride[a]! });
  });
  const inner = axes[axes.length - 1];
  if (!inner || inner.src !== 1 || inner.dst !== 1) axes.push({ count: 1, src: 1, dst: 1 });
  const merged: CopyAxis[] = [axes[axes.length - 1]!];
  for (let a = axes.length - 2; a >= 0; a--) {
    const outer = axes[a]!;
    const head = merged[0]!;
    if (outer.src === head.count * head.src && outer.dst === head.count * head.dst) merged[0] = { count: outer.count * head.count, src: head.src, dst: head.dst };
    else merged.unshift(outer);
  }
  const r = merged.length;
  const meta = new Float64Array(3 * r + 1);
  meta[0] = r;
  merged.forEach((ax, a) => {
    meta[1 + a] = ax.count;
    if (a < r - 1) {
      meta[1 + r + a] = ax.src;
      meta[2 * r + a] = ax.dst;
    }
  });
  meta[3 * r - 1] = srcOffset;
  meta[3 * r] = dstOffset;
  return meta;
}

const bits = (backend: object, t: TensorInfo): Float32Array => {
  const v = viewOf(backend, t);
  return v instanceof Float32Array ? v : new Float32Array(v.buffer, v.byteOffset, v.length);
};

const movable = (t: TensorInfo) => t.dtype === "float32" || t.dtype === "int32";

/** x[begin : begin + size] into out, whose storage is already allocated. */
function copySlice(native: NativeKernels, backend: object, x: TensorInfo, begin: readonly number[], out: TensorInfo): void {
  const xs = rowMajor(x.shape);
  const offset = begin.reduce((o, b, a) => o + b * xs[a]!, 0);
  native.copyStrided(bits(backend, x), bits(backend, out), copyMeta(out.shape, xs, rowMajor(out.shape), offset, 0), 0);
}

export function nativeSliceKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x } = call.inputs as { x: TensorInfo };
    if (!movable(x) || x.shape.length === 0) return fallback(call);
    const { begin, size } = call.attrs as unknown as SliceAttrs;
    const [b, s] = slice_util.parseSliceParams(x as never, begin, size);
    slice_util.assertParamsValid(x as never, b, s);
    const out = allocOutput(call.backend, s, x.dtype as "float32" | "int32"); // [...size]
    if (util.sizeFromShape(s) > 0) copySlice(native, call.backend, x, b, out);
    return out;
  };
}

export function nativeSplitVKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x } = call.inputs as { x: TensorInfo };
    if (!movable(x) || x.shape.length === 0) return fallback(call);
    const { numOrSizeSplits, axis } = call.attrs as unknown as SplitVAttrs;
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = splitSizes(x.shape[ax]!, numOrSizeSplits);
    const outs = sizes.map((n) => allocOutput(call.backend, x.shape.map((d, a) => (a === ax ? n : d)), x.dtype as "float32" | "int32"));
    let start = 0;
    outs.forEach((out, i) => {
      if (util.sizeFromShape(out.shape) > 0) copySlice(native, call.backend, x, x.shape.map((_, a) => (a === ax ? start : 0)), out);
      start += sizes[i]!;
    });
    return outs;
  };
}

/** tfjs's `prepareSplitSize`: equal parts, or the sizes given with one −1 filled in. */
function splitSizes(dim: number, numOrSizeSplits: number | number[]): number[] {
  if (typeof numOrSizeSplits === "number") {
    if (dim % numOrSizeSplits !== 0) throw new Error(`SplitV: ${dim} does not split into ${numOrSizeSplits} equal parts`);
    return new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  }
  const known = numOrSizeSplits.reduce((s, n) => (n === -1 ? s : s + n), 0);
  const sizes = numOrSizeSplits.map((n) => (n === -1 ? dim - known : n));
  if (sizes.reduce((s, n) => s + n, 0) !== dim || sizes.some((n) => n < 0)) throw new Error(`SplitV: sizes ${JSON.stringify(numOrSizeSplits)} do not sum to ${dim}`);
  return sizes;
}

export function nativeConcatKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const inputs = call.inputs as unknown as TensorInfo[];
    const dtype = inputs[0]?.dtype;
    if (!inputs.length || !inputs.every((t) => movable(t) && t.dtype === dtype && t.shape.length === inputs[0]!.shape.length && t.shape.length > 0)) return fallback(call);
    const { axis } = call.attrs as unknown as ConcatAttrs;
    const ax = util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
    const shape = inputs[0]!.shape.map((d, a) => (a === ax ? inputs.reduce((s, t) => s + t.shape[ax]!, 0) : d));
    for (const t of inputs) {
      if (t.shape.some((d, a) => a !== ax && d !== shape[a])) throw new Error(`Concat: shapes ${inputs.map((i) => JSON.stringify(i.shape)).join(", ")} differ off axis ${ax}`);
    }
    const out = allocOutput(call.backend, shape, dtype as "float32" | "int32"); // [... Σ along axis ...]
    const os = rowMajor(shape);
    const dst = bits(call.backend, out);
    let start = 0;
    for (const t of inputs) {
      if (util.sizeFromShape(t.shape) > 0) native.copyStrided(bits(call.backend, t), dst, copyMeta(t.shape, rowMajor(t.shape), os, 0, start * os[ax]!), 0);
      start += t.shape[ax]!;
    }
    return out;
  };
}

export function nativeGatherKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x, indices } = call.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = call.attrs as unknown as GatherV2Attrs;
    if (!movable(x) || indices.dtype !== "int32" || (batchDims ?? 0) !== 0 || x.shape.length === 0) return fallback(call);
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const outer = util.sizeFromShape(x.shape.slice(0, ax));
    const inner = util.sizeFromShape(x.shape.slice(ax + 1));
    const nidx = util.sizeFromShape(indices.shape);
    const out = allocOutput(call.backend, [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype as "float32" | "int32"); // [outer…, indices…, inner…]
    if (util.sizeFromShape(out.shape) > 0) native.gatherRows(bits(call.backend, x), viewOf(call.backend, indices) as Int32Array, bits(call.backend, out), outer, x.shape[ax]!, inner, nidx);
    return out;
  };
}

export function nativePadKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x } = call.inputs as { x: TensorInfo };
    const { paddings, constantValue } = call.attrs as unknown as PadV2Attrs;
    if (!movable(x) || x.shape.length === 0 || paddings.length !== x.shape.length) return fallback(call);
    const shape = x.shape.map((d, a) => paddings[a]![0] + d + paddings[a]![1]);
    const out = allocOutput(call.backend, shape, x.dtype as "float32" | "int32"); // [... padded ...]
    viewOf(call.backend, out).fill(constantValue);
    const os = rowMajor(shape);
    const offset = paddings.reduce((o, [before], a) => o + before * os[a]!, 0);
    if (util.sizeFromShape(x.shape) > 0) native.copyStrided(bits(call.backend, x), bits(call.backend, out), copyMeta(x.shape, rowMajor(x.shape), os, 0, offset), 0);
    return out;
  };
}

interface RefCounted {
  incRef(dataId: object): void;
}

/** wasm's Identity as a view (as its Reshape is): the output shares the input's storage. */
export function sharingIdentityKernel(fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x } = call.inputs as { x: TensorInfo };
    if (x.dtype === "string") return fallback(call);
    (call.backend as unknown as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** UnsortedSegmentSum (gather's gradient) as one native scatter-add; other cases go to the JS kernel. */
export function nativeSegmentSumKernel(native: NativeKernels, fallback: KernelFunc): KernelFunc {
  return (call) => {
    const { x, segmentIds } = call.inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = call.attrs as unknown as UnsortedSegmentSumAttrs;
    if (x.dtype !== "float32" || segmentIds.dtype !== "int32" || segmentIds.shape.length !== 1 || x.shape[0] !== segmentIds.shape[0]) return fallback(call);
    const k = util.sizeFromShape(x.shape.slice(1));
    const out = allocOutput(call.backend, [numSegments, ...x.shape.slice(1)]); // [segments, ...rest]
    native.scatterAddRows(viewOf(call.backend, x) as Float32Array, viewOf(call.backend, segmentIds) as Int32Array, viewOf(call.backend, out) as Float32Array, x.shape[0]!, k, numSegments);
    return out;
  };
}
