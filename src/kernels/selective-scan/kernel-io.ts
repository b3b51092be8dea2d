/**
 * Reading the scan's inputs out of a JS-kernel backend (`cpu`, `wasm`) into the float32
 * arrays `fused-cpu.ts` takes. An optional input counts as absent when missing or empty
 * (size 0): the public op passes empty placeholders so that the registered gradient can
 * save every input (tfjs cannot save an absent one).
 */
import type { NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs-core";
import { readF32, readI32 } from "../js-kernel.ts";
import type { SelectiveScanAttrs } from "./declaration.ts";
import type { FusedScanArgs } from "./fused-cpu.ts";

export function sizeOf(t: TensorInfo): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** The input named `name`, or undefined when missing or empty. */
export function optionalInput(inputs: NamedTensorInfoMap, name: string): TensorInfo | undefined {
  const t = inputs[name];
  return t !== undefined && sizeOf(t) > 0 ? t : undefined;
}

/** The input named `name`; an error naming the kernel when missing. */
export function required(inputs: NamedTensorInfoMap, name: string, kernel: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernel}: missing input ${name}`);
  return t;
}

/** The fused kernel's arguments from a kernel invocation's inputs and attrs. */
export function readScanArgs(
  backend: object,
  inputs: NamedTensorInfoMap,
  attrs: SelectiveScanAttrs,
  kernel: string,
): FusedScanArgs {
  const u = required(inputs, "u", kernel);
  const A = required(inputs, "A", kernel);
  if (u.shape.length !== 3 || A.shape.length !== 2) {
    throw new Error(`${kernel}: u must be [b, l, d] and A [d, n], got ${JSON.stringify(u.shape)} and ${JSON.stringify(A.shape)}`);
  }
  const [b, l, d] = u.shape as [number, number, number];
  const n = A.shape[1]!;
  const opt = (name: string) => {
    const t = optionalInput(inputs, name);
    return t ? readF32(backend, t) : undefined;
  };
  const lengths = optionalInput(inputs, "lengths");
  const chunkSize = attrs.chunkSize;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`${kernel}: chunkSize must be a positive integer, got ${chunkSize}`);
  return {
    u: readF32(backend, u),
    delta: readF32(backend, required(inputs, "delta", kernel)),
    A: readF32(backend, A),
    B: readF32(backend, required(inputs, "B", kernel)),
    C: readF32(backend, required(inputs, "C", kernel)),
    D: readF32(backend, required(inputs, "D", kernel)),
    z: opt("z"),
    deltaBias: opt("deltaBias"),
    h0: opt("h0"),
    lengths: lengths ? readI32(backend, lengths) : undefined,
    dims: { b, l, d, n },
    deltaSoftplus: attrs.deltaSoftplus,
    chunkSize,
  };
}
