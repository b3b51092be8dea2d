/**
 * The perception objective of the playground's base (its stand-in for CLIP's pretraining):
 * a linear head reads every structured fact of an image (`data/image-facts.ts`: digits,
 * bar values and colours, line points, table cells, scene cells) from the vision encoder's
 * patch features, flattened in patch order so each slot can look at the patches where its
 * fact is drawn. Trained with the vision encoder in the "perceive" stage; the MLM never sees
 * it. Loss: softmax cross-entropy per slot over the slots that apply, averaged.
 */
import * as tf from "../tf.ts";
import { FACT_CLASSES, FACT_SLOTS } from "../data/image-facts.ts";
import { linearWeight, mulberry32, zerosVariable } from "../nn/init.ts";
import type { VisionConfig } from "./config.ts";

export const FACT_HEAD_PREFIX = "facts";

export function factHeadShapes(cfg: VisionConfig): Map<string, number[]> {
  return new Map([
    [`${FACT_HEAD_PREFIX}.weight`, [FACT_CLASSES, cfg.numPatches * cfg.dModel]],
    [`${FACT_HEAD_PREFIX}.bias`, [FACT_CLASSES]],
  ]);
}

export function initFactHead(cfg: VisionConfig, seed: number): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  return {
    [`${FACT_HEAD_PREFIX}.weight`]: linearWeight(rand, FACT_CLASSES, cfg.numPatches * cfg.dModel),
    [`${FACT_HEAD_PREFIX}.bias`]: zerosVariable([FACT_CLASSES]),
  };
}

/** feats: [n, np, dv] → logits of every slot's classes, concatenated: [n, FACT_CLASSES] */
export function factLogits(params: Readonly<Record<string, tf.Tensor>>, feats: tf.Tensor3D): tf.Tensor2D {
  const [n, np, dv] = feats.shape;
  return tf.tidy(() =>
    feats.reshape([n, np * dv]).matMul(params[`${FACT_HEAD_PREFIX}.weight`]!, false, true).add(params[`${FACT_HEAD_PREFIX}.bias`]!),
  ) as tf.Tensor2D; // [n, C]
}

/** Offsets of each slot's classes in the concatenated logits. */
const OFFSETS = FACT_SLOTS.reduce<number[]>((acc, s, i) => [...acc, (acc[i] ?? 0) + s.classes.length], [0]);

/**
 * Mean over applicable (image, slot) pairs of −log softmax(slot logits)[label].
 * logits: [n, C], labels: [n · slots] (−1 = not applicable) → scalar
 */
export function factLoss(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  const n = logits.shape[0];
  const S = FACT_SLOTS.length;
  if (labels.length !== n * S) throw new Error(`factLoss: ${labels.length} labels for ${n} images × ${S} slots`);
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    let count = 0;
    FACT_SLOTS.forEach((slot, s) => {
      const rows: number[] = [];
      const cls: number[] = [];
      for (let i = 0; i < n; i++) {
        const y = labels[i * S + s]!;
        if (y >= 0) {
          rows.push(i);
          cls.push(y);
        }
      }
      if (rows.length === 0) return;
      const sl = tf.gather(logits, tf.tensor1d(rows, "int32")).slice([0, OFFSETS[s]!], [rows.length, slot.classes.length]); // [r, k]
      const logp = tf.logSoftmax(sl); // [r, k]
      const picked = tf.sum(logp.mul(tf.oneHot(tf.tensor1d(cls, "int32"), slot.classes.length))); // scalar
      total = total.sub(picked);
      count += rows.length;
    });
    return total.div(Math.max(count, 1)) as tf.Scalar;
  });
}

/** Per slot: correct argmax predictions and applicable labels. logits: [n, C] (read back once). */
export async function factAccuracy(logits: tf.Tensor2D, labels: Int32Array): Promise<{ slot: string; correct: number; n: number }[]> {
  const n = logits.shape[0];
  const S = FACT_SLOTS.length;
  const v = (await logits.data()) as Float32Array;
  const C = logits.shape[1];
  return FACT_SLOTS.map((slot, s) => {
    let correct = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[i * S + s]!;
      if (y < 0) continue;
      total++;
      let best = 0;
      for (let k = 1; k < slot.classes.length; k++) if (v[i * C + OFFSETS[s]! + k]! > v[i * C + OFFSETS[s]! + best]!) best = k;
      if (best === y) correct++;
    }
    return { slot: slot.name, correct, n: total };
  });
}
