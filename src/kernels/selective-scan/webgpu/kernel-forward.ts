/**
 * `SelectiveScan` for `webgpu`: packs the small inputs, runs the forward program of
 * `forward-program.ts` (with, for the chunked schedule, the chunk summaries and their
 * log-step scan of `chunk-programs.ts` first) and cuts its packed output into
 * [y [b, l, d], lastState [b, d, n], checkpoints [b, nChunks, d, n]], the outputs of the
 * CPU kernel (`../kernel-cpu.ts`), so the registered gradient (`../gradient.ts`) serves both.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { SelectiveScan, type SelectiveScanAttrs } from "../declaration.ts";
import { optionalInput } from "../kernel-io.ts";
import { forwardEntryStates } from "./chunk-programs.ts";
import { forwardLayout, forwardProgram, numChunks, type ScanShape } from "./forward-program.ts";
import { copyRange, packBC, packParams } from "./pack-programs.ts";
import { disposeAll, runProgram } from "./program.ts";
import { pickSchedule } from "./schedule.ts";

/** The shape of a scan call, checked. */
export function scanShape(inputs: Record<string, TensorInfo | undefined>, chunk: number, kernel: string): ScanShape {
  const u = inputs["u"];
  const A = inputs["A"];
  if (!u || !A || u.shape.length !== 3 || A.shape.length !== 2) throw new Error(`${kernel}: u must be [b, l, d] and A [d, n]`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`${kernel}: chunkSize must be a positive integer, got ${chunk}`);
  const [b, l, d] = u.shape as [number, number, number];
  return { b, l, d, n: A.shape[1]!, chunk };
}

/** params and BC (see `pack-programs.ts`) for a call's inputs; the caller disposes them. */
export function packInputs(gpu: WebGPUBackend, s: ScanShape, inputs: Record<string, TensorInfo | undefined>): { params: TensorInfo; BC: TensorInfo } {
  const bias = optionalInput(inputs, "deltaBias");
  const lengths = optionalInput(inputs, "lengths");
  const params = runProgram(gpu, packParams(s, bias !== undefined, lengths !== undefined), [
    inputs["A"]!,
    inputs["D"]!,
    ...(bias ? [bias] : []),
    ...(lengths ? [lengths] : []),
  ]);
  const BC = runProgram(gpu, packBC(s), [inputs["B"]!, inputs["C"]!]); // [b, l, 2n]
  return { params, BC };
}

export const selectiveScanWebGPUKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const gpu = backend as WebGPUBackend;
  const a = attrs as unknown as SelectiveScanAttrs;
  const s = scanShape(inputs, a.chunkSize, SelectiveScan);
  const { b, l, d, n } = s;
  const z = optionalInput(inputs, "z");
  const h0 = optionalInput(inputs, "h0");
  const schedule = pickSchedule(a.schedule, s);
  const temps: TensorInfo[] = [];
  try {
    const { params, BC } = packInputs(gpu, s, inputs);
    temps.push(params, BC);
    const base = [inputs["u"]!, inputs["delta"]!, ...(z ? [z] : []), BC, params];
    let state: TensorInfo[] = h0 ? [h0] : [];
    if (schedule === "chunked") {
      const entry = forwardEntryStates(gpu, s, { ...inputs, params, BC }, { deltaSoftplus: a.deltaSoftplus, h0 }); // [b, nChunks, d, n]
      temps.push(entry);
      state = [entry];
    }
    const packed = runProgram(gpu, forwardProgram(s, { schedule, hasZ: z !== undefined, hasH0: h0 !== undefined, deltaSoftplus: a.deltaSoftplus }), [...base, ...state]);
    temps.push(packed);
    const at = forwardLayout(s);
    return [
      runProgram(gpu, copyRange([b, l, d], at.y), [packed]), // [b, l, d]
      runProgram(gpu, copyRange([b, d, n], at.lastState), [packed]), // [b, d, n]
      runProgram(gpu, copyRange([b, numChunks(s), d, n], at.checkpoints), [packed]), // [b, nChunks, d, n]
    ];
  } finally {
    disposeAll(gpu, temps);
  }
};
