/**
 * UnsortedSegmentSum for `cpu` and `wasm`: the gradient of gather (embedding lookups).
 * The wasm backend has no such kernel, and the cpu backend's loops over every segment
 * (O(vocab · tokens · width)); this one is a single scatter-add pass, O(tokens · width).
 * Only the case gather's gradient produces is handled: segmentIds of rank 1.
 */
import { registerKernel, unregisterKernel, getKernel, UnsortedSegmentSum } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from "@tensorflow/tfjs-core";
import { JS_KERNEL_BACKENDS, makeOutput, readF32, readI32 } from "../js-kernel.ts";
import { unsortedSegmentSumRef } from "./reference.ts";

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || x.shape[0] !== segmentIds.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum: only rank-1 segmentIds matching x's first dim are supported, got x ${JSON.stringify(x.shape)}, ids ${JSON.stringify(segmentIds.shape)}`,
    );
  }
  const k = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = unsortedSegmentSumRef(readF32(backend, x), readI32(backend, segmentIds), numSegments, k);
  return makeOutput(backend, [numSegments, ...x.shape.slice(1)], "float32", out);
};

/** Registers the kernel for cpu and wasm, replacing any existing one. Idempotent. */
export function registerSegmentSum(): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    const existing = getKernel(UnsortedSegmentSum, backendName);
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) unregisterKernel(UnsortedSegmentSum, backendName);
    const config: KernelConfig = { kernelName: UnsortedSegmentSum, backendName, kernelFunc };
    registerKernel(config);
  }
}
