/** LayerNorm over the last axis (PyTorch `nn.LayerNorm`, biased variance). */
import * as tf from "../tf.ts";

/** x: [..., d], weight, bias: [d] → [..., d] */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const mean = x.mean(-1, true); // [..., 1]
    const centered = x.sub(mean); // [..., d]
    const variance = centered.square().mean(-1, true); // [..., 1]
    return centered.mul(tf.rsqrt(variance.add(eps))).mul(weight).add(bias);
  });
}
