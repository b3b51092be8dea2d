/**
 * RMSNorm (Zhang & Sennrich 2019), as in mamba_ssm / HF `MambaRMSNorm`:
 * y = x / sqrt(mean(x², last axis) + eps) · weight.
 *
 * Runs the fused kernel (`MeteorRmsNorm`, native on cpu/wasm) when the backend has one,
 * else `rmsNormReference`, the composed ops (webgl, webgpu, the browser, METEOR_NATIVE=0).
 */
import * as tf from "../tf.ts";
import { RmsNorm } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedRmsNorm } from "../../kernels/fused/ops.ts";

/** x: [..., d], weight: [d] → [..., d] */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return x.dtype === "float32" && fusedAvailable(RmsNorm) ? fusedRmsNorm(x, weight, eps) : rmsNormReference(x, weight, eps);
}

/** The composed ops (slow reference of the fused kernel). x: [..., d], weight: [d] → [..., d] */
export function rmsNormReference(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = x.square().mean(-1, true); // [..., 1]
    return x.mul(tf.rsqrt(ms.add(eps))).mul(weight); // [..., d]
  });
}
