/**
 * The fused ops as the model calls them: each runs its fused kernel when one is registered
 * for the current backend (`fusedAvailable`), and its gradient is registered here once.
 * Callers keep the composed tfjs ops as the fallback (`../../lib/nn/*.ts`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { LayerNorm, RmsNorm, type NormAttrs } from "./declaration.ts";
import { layerNormGradConfig, rmsNormGradConfig } from "./gradients.ts";

for (const config of [rmsNormGradConfig, layerNormGradConfig]) {
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
