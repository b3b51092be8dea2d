/**
 * Causal attention probabilities: softmax over keys of scores·scale, query i of l new queries
 * (after `past` cached keys) seeing keys j ≤ past + i. The fused kernel
 * (`MeteorCausalSoftmax`, native on cpu/wasm) when the backend has one, else
 * `causalSoftmaxReference` (scale, additive −1e9 mask, tfjs softmax).
 */
import * as tf from "../tf.ts";
import { CausalSoftmax } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedCausalSoftmax } from "../../kernels/fused/ops.ts";

/** Additive causal mask for l new queries after `past` cached keys: [l, past + l]. */
export function causalMask(l: number, past: number): tf.Tensor2D {
  const t = past + l;
  const m = new Float32Array(l * t);
  for (let i = 0; i < l; i++) for (let j = past + i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tf.tensor2d(m, [l, t]);
}

/** scores: [..., l, t] → probs [..., l, t] */
export function causalSoftmax(scores: tf.Tensor, scale: number, past: number): tf.Tensor {
  return scores.dtype === "float32" && fusedAvailable(CausalSoftmax) ? fusedCausalSoftmax(scores, scale, past) : causalSoftmaxReference(scores, scale, past);
}

/** The composed ops (slow reference of the fused kernel). scores: [..., l, t] → [..., l, t] */
export function causalSoftmaxReference(scores: tf.Tensor, scale: number, past: number): tf.Tensor {
  const l = scores.shape[scores.rank - 2]!;
  return tf.tidy(() => tf.softmax(scores.mul(scale).add(causalMask(l, past)), -1));
}
