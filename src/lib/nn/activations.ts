/** Activations shared by the model components. */
import * as tf from "../tf.ts";

/** silu(x) = x · σ(x) */
export const silu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.sigmoid(x)));

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), as PyTorch's `nn.GELU()` in `mlp2x_gelu`. */
export const gelu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5));

/** CLIP's quick_gelu, x·σ(1.702·x). */
export const quickGelu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.sigmoid(x.mul(1.702))));
