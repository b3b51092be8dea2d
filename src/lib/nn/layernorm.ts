/**
 * LayerNorm over the last axis (PyTorch `nn.LayerNorm`, biased variance).
 *
 * Runs the fused kernel (`MeteorLayerNorm`, native on cpu/wasm) when the backend has one,
 * else `layerNormReference`, the composed ops (webgl, webgpu, the browser, METEOR_NATIVE=0).
 */
import * as tf from "../tf.ts";
import { LayerNorm } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedLayerNorm } from "../../kernels/fused/ops.ts";

/** x: [..., d], weight, bias: [d] → [..., d] */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  return x.dtype === "float32" && fusedAvailable(LayerNorm) ? fusedLayerNorm(x, weight, bias, eps) : layerNormReference(x, weight, bias, eps);
}

/** The composed ops (slow reference of the fused kernel). x: [..., d], weight, bias: [d] → [..., d] */
export function layerNormReference(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const mean = x.mean(-1, true); // [..., 1]
    const centered = x.sub(mean); // [..., d]
    const variance = centered.square().mean(-1, true); // [..., 1]
    return centered.mul(tf.rsqrt(variance.add(eps))).mul(weight).add(bias);
  });
}
