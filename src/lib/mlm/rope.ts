/**
 * Rotary position embedding (Su et al. 2021) in the "rotate half" form used by InternLM2 /
 * LLaMA in Hugging Face (`apply_rotary_pos_emb`): x·cos + rotate_half(x)·sin, where the
 * frequencies θ^(−2i/hd) are laid out twice along the head dimension.
 *
 * `applyRope` runs the fused kernel (`MeteorRope`, native on cpu/wasm, bit-for-bit these ops)
 * when the backend has one, else `applyRopeReference`, the composed ops.
 */
import * as tf from "../tf.ts";
import { Rope } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedRope } from "../../kernels/fused/ops.ts";

/** cos and sin tables for positions [offset, offset + l): each [l, hd]. */
export function ropeTables(l: number, hd: number, theta: number, offset = 0): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = hd / 2;
  const cos = new Float32Array(l * hd);
  const sin = new Float32Array(l * hd);
  for (let t = 0; t < l; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * Math.pow(theta, (-2 * i) / hd);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[t * hd + i] = c;
      cos[t * hd + i + half] = c;
      sin[t * hd + i] = s;
      sin[t * hd + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [l, hd]), sin: tf.tensor2d(sin, [l, hd]) };
}

/** x: [b, h, l, hd]; cos, sin: [l, hd] → [b, h, l, hd] */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  return x.dtype === "float32" && fusedAvailable(Rope) ? fusedRope(x, cos, sin) : applyRopeReference(x, cos, sin);
}

/** The composed ops (slow reference of the fused kernel). x: [b, h, l, hd]; cos, sin: [l, hd] → [b, h, l, hd] */
export function applyRopeReference(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const hd = x.shape[3];
    const [x1, x2] = tf.split(x, [hd / 2, hd / 2], 3); // [b, h, l, hd/2] each
    const rotated = tf.concat([tf.neg(x2), x1], 3); // [b, h, l, hd]
    return x.mul(cos).add(rotated.mul(sin)) as tf.Tensor4D;
  });
}
