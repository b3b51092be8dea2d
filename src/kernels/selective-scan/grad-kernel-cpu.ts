/**
 * `SelectiveScanGrad` for `cpu` and `wasm`: the fused backward of `fused-cpu.ts`.
 * Inputs: the forward's inputs, its `checkpoints`, `dy` [b, l, d] and `dLastState` [b, d, n]
 * (either may be empty). Outputs, in `SCAN_GRAD_ORDER`: the gradients of u, delta, A, B, C,
 * D, z, deltaBias, h0 — each shaped as its input, or [0] where that input is absent.
 */
import type { KernelFunc } from "@tensorflow/tfjs-core";
import { makeOutput, readF32 } from "../js-kernel.ts";
import { SelectiveScanGrad, type SelectiveScanAttrs } from "./declaration.ts";
import { fusedScanBackward } from "./fused-cpu.ts";
import { optionalInput, readScanArgs } from "./kernel-io.ts";

/** Order of the backward kernel's outputs. */
export const SCAN_GRAD_ORDER = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias", "h0"] as const;

export const selectiveScanGradKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const args = readScanArgs(backend, inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScanGrad);
  const checkpoints = inputs["checkpoints"];
  const dy = optionalInput(inputs, "dy");
  const dLastState = optionalInput(inputs, "dLastState");
  if (!checkpoints) throw new Error(`${SelectiveScanGrad}: missing input checkpoints`);
  const { b, l, d } = args.dims;
  const grads = fusedScanBackward({
    ...args,
    checkpoints: readF32(backend, checkpoints),
    dy: dy ? readF32(backend, dy) : new Float32Array(b * l * d),
    dLastState: dLastState ? readF32(backend, dLastState) : undefined,
  });
  return SCAN_GRAD_ORDER.map((name) => {
    const g = grads[name];
    const input = optionalInput(inputs, name);
    return makeOutput(backend, input && g.length > 0 ? input.shape : [0], "float32", g);
  });
};
