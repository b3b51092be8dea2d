/** Activations shared by the model components. */
import * as tf from "../tf.ts";
import { SwiGlu } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedSwiGlu } from "../../kernels/fused/ops.ts";

/** silu(x) = x · σ(x) */
export const silu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.sigmoid(x)));

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), as PyTorch's `nn.GELU()` in `mlp2x_gelu`. */
export const gelu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5));

/** CLIP's quick_gelu, x·σ(1.702·x). */
export const quickGelu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.sigmoid(x.mul(1.702))));

/**
 * SwiGLU's gating, silu(gate) ⊙ up: the fused kernel (`MeteorSwiGlu`, native on cpu/wasm) when
 * the backend has one, else `swiGluReference`. gate, up: [..., f] → [..., f]
 */
export const swiGlu = (gate: tf.Tensor, up: tf.Tensor): tf.Tensor =>
  gate.dtype === "float32" && fusedAvailable(SwiGlu) ? fusedSwiGlu(gate, up) : swiGluReference(gate, up);

/** The composed ops (slow reference of the fused kernel). */
export const swiGluReference = (gate: tf.Tensor, up: tf.Tensor): tf.Tensor => tf.tidy(() => silu(gate).mul(up));
