/**
 * RMSNorm (Zhang & Sennrich 2019), as in mamba_ssm / HF `MambaRMSNorm`:
 * y = x / sqrt(mean(x², last axis) + eps) · weight.
 */
import * as tf from "../tf.ts";

/** x: [..., d], weight: [d] → [..., d] */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = x.square().mean(-1, true); // [..., 1]
    return x.mul(tf.rsqrt(ms.add(eps))).mul(weight); // [..., d]
  });
}
