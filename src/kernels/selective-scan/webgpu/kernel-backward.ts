/**
 * `SelectiveScanGrad` for `webgpu`: the backward program of `backward-program.ts` on the
 * forward's checkpoints, then the reductions and copies that turn its packed output into
 * the gradients, in `SCAN_GRAD_ORDER` (shaped as their inputs, [0] where absent), as the
 * CPU kernel (`../grad-kernel-cpu.ts`).
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { SelectiveScanGrad, type SelectiveScanAttrs } from "../declaration.ts";
import { SCAN_GRAD_ORDER } from "../grad-kernel-cpu.ts";
import { optionalInput } from "../kernel-io.ts";
import { backwardLayout, backwardProgram, type BackwardFlags } from "./backward-program.ts";
import { backwardEntryGrads } from "./chunk-programs.ts";
import { numChunks } from "./forward-program.ts";
import { packInputs, scanShape } from "./kernel-forward.ts";
import { concat, copyRange, stridedSum } from "./pack-programs.ts";
import { disposeAll, runProgram } from "./program.ts";
import { pickSchedule } from "./schedule.ts";

export const selectiveScanGradWebGPUKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const gpu = backend as WebGPUBackend;
  const a = attrs as unknown as SelectiveScanAttrs;
  const s = scanShape(inputs, a.chunkSize, SelectiveScanGrad);
  const { b, l, d, n } = s;
  const checkpoints = inputs["checkpoints"];
  if (!checkpoints || checkpoints.shape.length !== 4 || checkpoints.shape[1] !== numChunks(s)) {
    throw new Error(`${SelectiveScanGrad}: checkpoints must be [b, nChunks, d, n] = [${b}, ${numChunks(s)}, ${d}, ${n}]`);
  }
  const z = optionalInput(inputs, "z");
  const h0 = optionalInput(inputs, "h0");
  const bias = optionalInput(inputs, "deltaBias");
  const dLast = optionalInput(inputs, "dLastState");
  const temps: TensorInfo[] = [];
  const run = (spec: Parameters<typeof runProgram>[1], xs: TensorInfo[]) => runProgram(gpu, spec, xs);
  try {
    let dy = optionalInput(inputs, "dy");
    if (!dy) {
      dy = gpu.makeTensorInfo([b, l, d], "float32", new Float32Array(b * l * d)); // [b, l, d]
      temps.push(dy);
    }
    const { params, BC } = packInputs(gpu, s, inputs);
    temps.push(params, BC);
    const schedule = pickSchedule(a.schedule, s);
    // ∂L/∂h entering each group from its right: dLastState (sequential) or the chunked scan's.
    let gradEntry = dLast;
    if (schedule === "chunked") {
      gradEntry = backwardEntryGrads(gpu, s, { ...inputs, params, BC, dy }, { deltaSoftplus: a.deltaSoftplus, z, dLast }); // [b, nChunks, d, n]
      temps.push(gradEntry);
    }
    let states = checkpoints;
    if (gradEntry) {
      states = run(concat(b * numChunks(s) * d * n, gradEntry.shape.reduce((x, y) => x * y, 1)), [checkpoints, gradEntry]);
      temps.push(states);
    }
    const f: BackwardFlags = { schedule, hasZ: z !== undefined, hasH0: h0 !== undefined, hasGradEntry: gradEntry !== undefined, deltaSoftplus: a.deltaSoftplus };
    const packed = run(backwardProgram(s, f), [inputs["u"]!, inputs["delta"]!, ...(z ? [z] : []), BC, params, states, dy]);
    temps.push(packed);
    const at = backwardLayout(s, f);
    const rows = b * at.groups;
    const empty = () => gpu.makeTensorInfo([0], "float32", new Float32Array(0));
    const grads: Record<(typeof SCAN_GRAD_ORDER)[number], TensorInfo> = {
      u: run(copyRange([b, l, d], at.du), [packed]), // [b, l, d]
      delta: run(copyRange([b, l, d], at.ddelta), [packed]), // [b, l, d]
      A: run(stridedSum([d, n], { offset: at.partA, inner: d * n, strideP: 0, terms: rows, strideR: d * n }), [packed]), // [d, n]
      B: run(stridedSum([b, l, n], { offset: at.partBC, inner: n, strideP: at.nBlocks * 2 * n, terms: at.nBlocks, strideR: 2 * n }), [packed]), // [b, l, n]
      C: run(stridedSum([b, l, n], { offset: at.partBC + n, inner: n, strideP: at.nBlocks * 2 * n, terms: at.nBlocks, strideR: 2 * n }), [packed]), // [b, l, n]
      D: run(stridedSum([d], { offset: at.partD, inner: d, strideP: 0, terms: rows, strideR: d }), [packed]), // [d]
      z: z ? run(copyRange([b, l, d], at.dz), [packed]) : empty(), // [b, l, d]
      deltaBias: bias ? run(stridedSum([d], { offset: at.partBias, inner: d, strideP: 0, terms: rows, strideR: d }), [packed]) : empty(), // [d]
      h0: h0 ? run(copyRange([b, d, n], at.dh0), [packed]) : empty(), // [b, d, n]
    };
    return SCAN_GRAD_ORDER.map((name) => grads[name]);
  } finally {
    disposeAll(gpu, temps);
  }
};
