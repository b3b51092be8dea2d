/**
 * `SelectiveScan` for `cpu` and `wasm`: the fused forward of `fused-cpu.ts` as a tfjs kernel.
 * Outputs [y [b, l, d], lastState [b, d, n], checkpoints [b, nChunks, d, n]]; the gradient
 * (`gradient.ts`) saves the checkpoints for the backward.
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { makeOutput } from "../js-kernel.ts";
import { SelectiveScan, type SelectiveScanAttrs } from "./declaration.ts";
import { fusedScanForward, numChunks } from "./fused-cpu.ts";
import { readScanArgs } from "./kernel-io.ts";

export const selectiveScanKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const args = readScanArgs(backend, inputs, attrs as unknown as SelectiveScanAttrs, SelectiveScan);
  const { b, l, d, n } = args.dims;
  const { y, lastState, checkpoints } = fusedScanForward(args);
  const outputs: TensorInfo[] = [
    makeOutput(backend, [b, l, d], "float32", y), // [b, l, d]
    makeOutput(backend, [b, d, n], "float32", lastState), // [b, d, n]
    makeOutput(backend, [b, numChunks(l, args.chunkSize), d, n], "float32", checkpoints), // [b, nChunks, d, n]
  ];
  return outputs;
};
