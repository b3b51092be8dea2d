/**
 * `SelectiveScan` and `SelectiveScanGrad` on the native scan (`c/scan.c`) for `cpu` and
 * `wasm`: same inputs, outputs and attributes as the JS kernels (`../selective-scan/
 * kernel-cpu.ts`, `grad-kernel-cpu.ts`), outputs allocated first and written in place.
 */
import type { KernelFunc, NamedTensorInfoMap } from "@tensorflow/tfjs-core";
import { SelectiveScan, SelectiveScanGrad, type SelectiveScanAttrs } from "../selective-scan/declaration.ts";
import { numChunks } from "../selective-scan/fused-cpu.ts";
import { SCAN_GRAD_ORDER } from "../selective-scan/grad-kernel-cpu.ts";
import { optionalInput, required } from "../selective-scan/kernel-io.ts";
import type { NativeKernels } from "./load.ts";
import { allocOutput, f32View, viewOf } from "./tensor-views.ts";

interface ScanCall {
  dims: { b: number; l: number; d: number; n: number };
  chunk: number;
  softplus: number;
  /** The ten inputs as views, in the addon's order (absent optional ones as null). */
  views: () => (Float32Array | Int32Array | null)[];
}

function scanCall(backend: object, inputs: NamedTensorInfoMap, attrs: SelectiveScanAttrs, kernel: string): ScanCall {
  const u = required(inputs, "u", kernel);
  const A = required(inputs, "A", kernel);
  if (u.shape.length !== 3 || A.shape.length !== 2) {
    throw new Error(`${kernel}: u must be [b, l, d] and A [d, n], got ${JSON.stringify(u.shape)} and ${JSON.stringify(A.shape)}`);
  }
  const [b, l, d] = u.shape as [number, number, number];
  const n = A.shape[1]!;
  const chunk = attrs.chunkSize;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`${kernel}: chunkSize must be a positive integer, got ${chunk}`);
  const names = ["u", "delta", "A", "B", "C", "D"].map((k) => required(inputs, k, kernel));
  const optional = ["z", "deltaBias", "h0", "lengths"].map((k) => optionalInput(inputs, k));
  if (optional[3] && optional[3].dtype !== "int32") throw new Error(`${kernel}: lengths must be int32`);
  return {
    dims: { b, l, d, n },
    chunk,
    softplus: attrs.deltaSoftplus ? 1 : 0,
    views: () => [...names.map((t) => f32View(backend, t)), ...optional.map((t) => (t ? viewOf(backend, t) : null))],
  };
}

export function nativeScanKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const s = scanCall(backend, inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScan);
    const { b, l, d, n } = s.dims;
    const y = allocOutput(backend, [b, l, d]); // [b, l, d]
    const last = allocOutput(backend, [b, d, n]); // [b, d, n]
    const ckpt = allocOutput(backend, [b, numChunks(l, s.chunk), d, n]); // [b, nChunks, d, n]
    const v = s.views();
    native.scanForward(
      v[0] as Float32Array, v[1] as Float32Array, v[2] as Float32Array, v[3] as Float32Array, v[4] as Float32Array, v[5] as Float32Array,
      v[6] as Float32Array | null, v[7] as Float32Array | null, v[8] as Float32Array | null, v[9] as Int32Array | null,
      b, l, d, n, s.chunk, s.softplus,
      f32View(backend, y), f32View(backend, last), f32View(backend, ckpt),
    );
    return [y, last, ckpt];
  };
}

export function nativeScanGradKernel(native: NativeKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const s = scanCall(backend, inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScanGrad);
    const { b, l, d, n } = s.dims;
    const checkpoints = required(inputs, "checkpoints", SelectiveScanGrad);
    const dy = optionalInput(inputs, "dy");
    const dLast = optionalInput(inputs, "dLastState");
    const zeroDy = dy ? null : allocOutput(backend, [b, l, d]); // [b, l, d] zeros (disposed below)
    const outs = SCAN_GRAD_ORDER.map((name) => {
      const input = optionalInput(inputs, name);
      return allocOutput(backend, input ? input.shape : [0]);
    });
    const v = s.views();
    if (zeroDy) f32View(backend, zeroDy).fill(0);
    const g = outs.map((t, k) => (k >= 6 && t.shape[0] === 0 && t.shape.length === 1 ? null : f32View(backend, t)));
    try {
      native.scanBackward(
        v[0] as Float32Array, v[1] as Float32Array, v[2] as Float32Array, v[3] as Float32Array, v[4] as Float32Array, v[5] as Float32Array,
        v[6] as Float32Array | null, v[7] as Float32Array | null, v[8] as Float32Array | null, v[9] as Int32Array | null,
        b, l, d, n, s.chunk, s.softplus,
        f32View(backend, checkpoints), f32View(backend, dy ?? zeroDy!), dLast ? f32View(backend, dLast) : null,
        g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, g[5]!, g[6] ?? null, g[7] ?? null, g[8] ?? null,
      );
    } finally {
      if (zeroDy) (backend as { disposeData(id: object): void }).disposeData(zeroDy.dataId);
    }
    return outs;
  };
}
