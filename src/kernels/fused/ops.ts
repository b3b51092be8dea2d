/**
 * The fused ops as the model calls them: each runs its fused kernel when one is registered
 * for the current backend (`fusedAvailable`), and its gradient is registered here once.
 * Callers keep the composed tfjs ops as the fallback (`../../lib/nn/*.ts`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { AdamW, CausalSoftmax, ConvSilu, CrossEntropy, GlobalNorm, LayerNorm, RmsNorm, Rope, SwiGlu, type AdamWAttrs, type CausalSoftmaxAttrs, type NormAttrs } from "./declaration.ts";
import { causalSoftmaxGradConfig, convSiluGradConfig, crossEntropyGradConfig, layerNormGradConfig, rmsNormGradConfig, ropeGradConfig, swiGluGradConfig } from "./gradients.ts";

for (const config of [rmsNormGradConfig, layerNormGradConfig, swiGluGradConfig, causalSoftmaxGradConfig, crossEntropyGradConfig, convSiluGradConfig, ropeGradConfig]) {
  if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
}

/** Whether `kernelName` has a kernel on the current backend (float32 inputs assumed). */
export function fusedAvailable(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

const attrs = (eps: number) => ({ eps }) satisfies NormAttrs as unknown as tf.NamedAttrMap;

/** x: [..., d], weight: [d] → [..., d] */
export function fusedRmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => (tf.engine().runKernel(RmsNorm, { x, weight }, attrs(eps)) as tf.Tensor[])[0]!);
}

/** x: [..., d], weight, bias: [d] → [..., d] */
export function fusedLayerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => (tf.engine().runKernel(LayerNorm, { x, weight, bias }, attrs(eps)) as tf.Tensor[])[0]!);
}

/** a, b: the same shape → silu(a)·b */
export function fusedSwiGlu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SwiGlu, { a, b }) as tf.Tensor;
}

/** scores: [..., l, t] → probs [..., l, t] (query i sees keys j ≤ past + i) */
export function fusedCausalSoftmax(scores: tf.Tensor, scale: number, past: number): tf.Tensor {
  return tf.engine().runKernel(CausalSoftmax, { scores }, { scale, past } satisfies CausalSoftmaxAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** logits: [rows, v], targets: int32 [rows] (−1 = ignored) → mean cross-entropy over the kept rows (scalar) */
export function fusedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => (tf.engine().runKernel(CrossEntropy, { logits, targets }) as tf.Tensor[])[0]! as tf.Scalar);
}

/** x: [..., l, hd], cos, sin: [l, hd] → x·cos + rotate_half(x)·sin */
export function fusedRope<T extends tf.Tensor>(x: T, cos: tf.Tensor2D, sin: tf.Tensor2D): T {
  return tf.engine().runKernel(Rope, { x, cos, sin }) as T;
}

/** x: [b, l+k−1, e] (conv state in front), weight: [e, k], bias: [e] → silu(causal depthwise conv1d + bias) [b, l, e] */
export function fusedConvSilu(x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => (tf.engine().runKernel(ConvSilu, { x, weight, bias }) as tf.Tensor[])[0]! as tf.Tensor3D);
}

/** One AdamW step over tensors i = 0…n−1 (p, g, m, v each [shape of p_i]) → the new p, m, v of each, in one kernel call. */
export function fusedAdamW(tensors: ReadonlyArray<{ p: tf.Tensor; g: tf.Tensor; m: tf.Tensor; v: tf.Tensor }>, attrs: AdamWAttrs): Array<{ p: tf.Tensor; m: tf.Tensor; v: tf.Tensor }> {
  const inputs: Record<string, tf.Tensor> = {};
  tensors.forEach(({ p, g, m, v }, i) => Object.assign(inputs, { [`p${i}`]: p, [`g${i}`]: g, [`m${i}`]: m, [`v${i}`]: v }));
  const out = tf.engine().runKernel(AdamW, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return tensors.map((_, i) => ({ p: out[3 * i]!, m: out[3 * i + 1]!, v: out[3 * i + 2]! }));
}

/** √(Σ x²) over every element of `tensors` (float64 sums) → a scalar, in one kernel call. */
export function fusedGlobalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.engine().runKernel(GlobalNorm, Object.fromEntries(tensors.map((t, i) => [`t${i}`, t]))) as tf.Scalar;
}
