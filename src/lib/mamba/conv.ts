/**
 * The Mamba block's causal depthwise conv1d and its SiLU (mamba_ssm's `causal_conv1d_fn` with
 * activation "silu"): u[t] = silu(Σ_j xpad[t + j] · w[:, j] + bias) over the input with its
 * k − 1 rows of conv state in front.
 *
 * Runs the fused kernel (`MeteorConvSilu`, native on cpu/wasm) when the backend has one, else
 * `causalConvSiluReference`, the composed ops (webgl, webgpu, the browser, METEOR_NATIVE=0).
 */
import * as tf from "../tf.ts";
import { ConvSilu } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedConvSilu } from "../../kernels/fused/ops.ts";
import { silu } from "../nn/activations.ts";

/** xpad: [b, l+k−1, e], weight: [e, 1, k] (mamba_ssm's layout), bias: [e] or none → [b, l, e] */
export function causalConvSilu(xpad: tf.Tensor3D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor3D {
  const [E, , K] = weight.shape as [number, number, number];
  if (xpad.dtype === "float32" && fusedAvailable(ConvSilu)) {
    return tf.tidy(() => fusedConvSilu(xpad, weight.reshape([E, K]) as tf.Tensor2D, (bias ?? tf.zeros([E])) as tf.Tensor1D));
  }
  return causalConvSiluReference(xpad, weight, bias);
}

/** The composed ops (slow reference of the fused kernel): one slice, product and sum per tap. */
export function causalConvSiluReference(xpad: tf.Tensor3D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor3D {
  const [E, , K] = weight.shape as [number, number, number];
  const [b, lp] = xpad.shape;
  const l = lp - K + 1;
  return tf.tidy(() => {
    const wk = weight.reshape([E, K]).transpose(); // [k, e]
    let xc: tf.Tensor = tf.zeros([b, l, E]);
    for (let k = 0; k < K; k++) {
      const tap = wk.slice([k, 0], [1, E]).reshape([E]); // [e]
      xc = xc.add(xpad.slice([0, k, 0], [b, l, E]).mul(tap)); // [b, l, e]
    }
    if (bias) xc = xc.add(bias);
    return silu(xc) as tf.Tensor3D; // [b, l, e]
  });
}
