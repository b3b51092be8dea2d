/**
 * Gradients of the fused kernels (tfjs `gradients/*_grad.ts` anatomy): each runs its
 * backward kernel once on the saved inputs and the statistics the forward saved.
 */
import { engine, type GradConfig, type NamedAttrMap, type Tensor } from "@tensorflow/tfjs-core";
import { LayerNorm, LayerNormGrad, RmsNorm, RmsNormGrad } from "./declaration.ts";

export const rmsNormGradConfig: GradConfig = {
  kernelName: RmsNorm,
  inputsToSave: ["x", "weight"],
  outputsToSave: [false, true], // rstd
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, weight, rstd] = saved as [Tensor, Tensor, Tensor];
    const dy = (dys as Tensor[])[0]!; // rstd is not differentiated
    const [dx, dw] = engine().runKernel(RmsNormGrad, { dy, x, weight, rstd }, attrs) as Tensor[];
    return { x: () => dx!, weight: () => dw! };
  },
};

export const layerNormGradConfig: GradConfig = {
  kernelName: LayerNorm,
  inputsToSave: ["x", "weight"],
  outputsToSave: [false, true, true], // mean, rstd
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, weight, mean, rstd] = saved as [Tensor, Tensor, Tensor, Tensor];
    const dy = (dys as Tensor[])[0]!; // mean and rstd are not differentiated
    const [dx, dw, db] = engine().runKernel(LayerNormGrad, { dy, x, weight, mean, rstd }, attrs) as Tensor[];
    return { x: () => dx!, weight: () => dw!, bias: () => db! };
  },
};
