/**
 * Gradient of `SelectiveScan` (tfjs `gradients/*_grad.ts` anatomy): runs the fused backward
 * kernel `SelectiveScanGrad` on the saved inputs and the saved checkpoints, with the
 * upstream gradients of both y and lastState (tfjs passes zeros for an output outside the
 * backprop graph). `lengths` (int32) gets a zero gradient.
 *
 * Every input must be present in the forward call: tfjs cannot save an absent input, so the
 * public op (`index.ts`) passes empty placeholders for the optional ones.
 */
import { engine, zeros } from "@tensorflow/tfjs-core";
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import { SelectiveScan, SelectiveScanGrad } from "./declaration.ts";
import { SCAN_GRAD_ORDER } from "./grad-kernel-cpu.ts";

/** Every input of `SelectiveScan`, in the order they are saved. */
export const SCAN_INPUT_NAMES = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias", "h0", "lengths"] as const;

export const selectiveScanGradConfig: GradConfig = {
  kernelName: SelectiveScan,
  inputsToSave: [...SCAN_INPUT_NAMES],
  outputsToSave: [false, false, true], // checkpoints
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [dy, dLastState] = dys as Tensor[];
    const inputs: Record<string, Tensor> = {};
    SCAN_INPUT_NAMES.forEach((name, k) => (inputs[name] = saved[k]!));
    const checkpoints = saved[SCAN_INPUT_NAMES.length]!;
    // Run once, here rather than inside the closures: tfjs calls only the closures of inputs
    // on the gradient path, and the kernel's other outputs are disposed with the backward scope.
    const grads = engine().runKernel(
      SelectiveScanGrad,
      { ...inputs, checkpoints, dy: dy!, dLastState: dLastState! },
      attrs,
    ) as Tensor[];
    const result: Record<string, () => Tensor> = {};
    SCAN_GRAD_ORDER.forEach((name, k) => (result[name] = () => grads[k]!));
    const lengths = inputs["lengths"]!;
    result["lengths"] = () => zeros(lengths.shape, "float32");
    return result;
  },
};
