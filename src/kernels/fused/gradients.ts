/**
 * Gradients of the fused kernels (tfjs `gradients/*_grad.ts` anatomy): each runs its
 * backward kernel once on the saved inputs and the statistics the forward saved.
 */
import { engine, zerosLike, type GradConfig, type NamedAttrMap, type Tensor } from "@tensorflow/tfjs-core";
import { CausalSoftmax, CausalSoftmaxGrad, ConvSilu, ConvSiluGrad, CrossEntropy, CrossEntropyGrad, LayerNorm, LayerNormGrad, RmsNorm, RmsNormGrad, Rope, RopeGrad, SwiGlu, SwiGluGrad } from "./declaration.ts";

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

export const swiGluGradConfig: GradConfig = {
  kernelName: SwiGlu,
  inputsToSave: ["a", "b"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [a, b] = saved as [Tensor, Tensor];
    const [da, db] = engine().runKernel(SwiGluGrad, { a, b, dy: dy as Tensor }) as Tensor[];
    return { a: () => da!, b: () => db! };
  },
};

export const causalSoftmaxGradConfig: GradConfig = {
  kernelName: CausalSoftmax,
  outputsToSave: [true], // probs
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [probs] = saved as [Tensor];
    return { scores: () => engine().runKernel(CausalSoftmaxGrad, { probs, dy: dy as Tensor }, attrs) as Tensor };
  },
};

export const crossEntropyGradConfig: GradConfig = {
  kernelName: CrossEntropy,
  inputsToSave: ["logits", "targets"],
  outputsToSave: [false, true], // lse
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[]) => {
    const [logits, targets, lse] = saved as [Tensor, Tensor, Tensor];
    const dloss = (dys as Tensor[])[0]!; // lse is not differentiated
    return {
      logits: () => engine().runKernel(CrossEntropyGrad, { logits, targets, lse, dloss }) as Tensor,
      targets: () => zerosLike(targets),
    };
  },
};

export const convSiluGradConfig: GradConfig = {
  kernelName: ConvSilu,
  inputsToSave: ["x", "weight"],
  outputsToSave: [false, true], // pre
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[]) => {
    const [x, weight, pre] = saved as [Tensor, Tensor, Tensor];
    const dy = (dys as Tensor[])[0]!; // pre is not differentiated
    const [dx, dw, db] = engine().runKernel(ConvSiluGrad, { dy, x, weight, pre }) as Tensor[];
    return { x: () => dx!, weight: () => dw!, bias: () => db! };
  },
};

export const ropeGradConfig: GradConfig = {
  kernelName: Rope,
  inputsToSave: ["cos", "sin"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [cos, sin] = saved as [Tensor, Tensor];
    // the tables are constants of the positions: no gradient flows into them
    return { x: () => engine().runKernel(RopeGrad, { dy: dy as Tensor, cos, sin }) as Tensor, cos: () => zerosLike(cos), sin: () => zerosLike(sin) };
  },
};
