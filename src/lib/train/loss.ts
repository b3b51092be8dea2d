/** Masked next-token cross-entropy and gradient-norm clipping. */
import * as tf from "../tf.ts";
import { CrossEntropy, GlobalNorm } from "../../kernels/fused/declaration.ts";
import { fusedAvailable, fusedCrossEntropy, fusedGlobalNorm } from "../../kernels/fused/ops.ts";

/**
 * Mean cross-entropy over positions whose target is ≥ 0.
 * logits: [b, l, v], targets: [b·l] (−1 = ignored) → scalar
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, targets: Int32Array): tf.Scalar {
  const [b, l, v] = logits.shape;
  if (targets.length !== b * l) throw new Error(`targets has ${targets.length} entries, expected ${b * l}`);
  let count = 0;
  for (const t of targets) {
    if (t >= v) throw new Error(`target id ${t} is outside the head's ${v} outputs`);
    if (t >= 0) count++;
  }
  if (count === 0) throw new Error("no target positions in the batch");
  // the fused kernel (MeteorCrossEntropy, native on cpu/wasm) when the backend has one
  if (logits.dtype === "float32" && fusedAvailable(CrossEntropy)) return tf.tidy(() => fusedCrossEntropy(logits.reshape([b * l, v]), tf.tensor1d(targets, "int32")));
  return maskedCrossEntropyReference(logits, targets, count);
}

/** The composed ops (slow reference of the fused kernel); `count` = targets ≥ 0. logits: [b, l, v] → scalar */
export function maskedCrossEntropyReference(logits: tf.Tensor3D, targets: Int32Array, count: number): tf.Scalar {
  const [b, l, v] = logits.shape;
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits.reshape([b * l, v])); // [b·l, v]
    const safe = tf.tensor1d(Int32Array.from(targets, (t) => Math.max(t, 0)), "int32"); // [b·l]
    const mask = tf.tensor1d(Float32Array.from(targets, (t) => (t >= 0 ? 1 : 0))); // [b·l]
    const picked = logp.mul(tf.oneHot(safe, v)).sum(-1); // [b·l]
    return picked.mul(mask).sum().div(-count) as tf.Scalar;
  });
}

/**
 * The global L2 norm of `grads` (sqrt of the sum of every element squared) → scalar. One
 * fused kernel call (`MeteorGlobalNorm`, float64 sums) where the backend has it, else
 * `globalNormReference`.
 */
export function globalNorm(grads: Readonly<Record<string, tf.Tensor>>): tf.Scalar {
  const list = Object.values(grads);
  return list.every((g) => g.dtype === "float32") && fusedAvailable(GlobalNorm) ? fusedGlobalNorm(list) : globalNormReference(grads);
}

/**
 * The composed ops (slow reference of the fused norm), summed pairwise in float32, not with
 * `tf.addN`: webgpu's AddN binds every input as a storage buffer, and a model's gradients
 * outnumber the 8 a WebGPU shader stage may have.
 */
export function globalNormReference(grads: Readonly<Record<string, tf.Tensor>>): tf.Scalar {
  return tf.tidy(() => {
    let total = tf.scalar(0);
    for (const g of Object.values(grads)) total = total.add(g.square().sum());
    return total.sqrt() as tf.Scalar;
  });
}

/**
 * The factor that brings a global gradient norm `norm` (already read, see `globalNorm`) down
 * to at most `maxNorm`: maxNorm / (norm + 1e-6) when above it, else 1. The optimizer
 * multiplies every gradient by it (`AdamW.apply`'s gradScale).
 */
export function clipScale(norm: number, maxNorm: number): number {
  return Number.isFinite(norm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/**
 * Greedy exact match under teacher forcing: a row is correct when the argmax at every target
 * position equals the target. By induction this is exactly "greedy decoding reproduces the
 * target", so one batched forward scores greedy accuracy. logits: [b, l, v] → [b] booleans
 */
export async function greedyExactMatch(logits: tf.Tensor3D, targets: Int32Array): Promise<boolean[]> {
  const [b, l] = logits.shape;
  const argT = tf.tidy(() => logits.argMax(-1)); // [b·l]
  const arg = await argT.data();
  argT.dispose();
  const ok = new Array<boolean>(b).fill(true);
  for (let i = 0; i < b * l; i++) if (targets[i]! >= 0 && arg[i] !== targets[i]) ok[Math.floor(i / l)] = false;
  return ok;
}
