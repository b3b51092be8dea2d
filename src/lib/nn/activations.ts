/** Activations shared by the model components. */
import * as tf from "@tensorflow/tfjs-core";

/** silu(x) = x · σ(x) */
export const silu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => x.mul(tf.sigmoid(x)));
