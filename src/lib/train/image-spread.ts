/**
 * The image-feature spread diagnostic: how different the features of different images are,
 * relative to their size. For features f_i of images i = 1…n (each [np, d]):
 *
 *   spread = mean_i ‖f_i − f̄‖ / ‖f_i‖,   f̄ = mean_i f_i   (Frobenius norms)
 *
 * 0 means every image gives the same features (the collapse that made the playground's
 * models ignore their images: 0.004 at the MLM vision projector's output); random
 * initialisation gives about 0.2. Measured at the vision encoder's output and at the MLM
 * vision projector's output.
 */
import * as tf from "../tf.ts";
import type { BatchItem } from "../meteor/batch.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { PROJECTORS } from "../meteor/config.ts";
import { projectImages } from "../meteor/model.ts";
import { structureParams } from "../meteor/params.ts";
import { visionEncode } from "../vision/encoder.ts";

export interface ImageFeatureSpread {
  /** Images measured. */
  n: number;
  /** At the vision encoder's output. */
  vision: number;
  /** At the MLM vision projector's output (what the MLM reads). */
  mlmProjector: number;
}

/** feats: [n, …] → the spread over the first axis (a scalar tensor). */
export function spreadOf(feats: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const n = feats.shape[0]!;
    const flat = feats.reshape([n, -1]); // [n, np·d]
    const dev = flat.sub(flat.mean(0, true)).norm("euclidean", 1); // [n]
    return dev.div(flat.norm("euclidean", 1).add(1e-12)).mean() as tf.Scalar;
  });
}

/** The spread over the images of `items` (items without one are skipped; at most `limit` images). */
export async function imageFeatureSpread(
  cfg: MeteorConfig,
  vars: Readonly<Record<string, tf.Tensor>>,
  items: readonly BatchItem[],
  limit = 64,
): Promise<ImageFeatureSpread | null> {
  const pixels = items.flatMap((it) => (it.pixels ? [it.pixels] : [])).slice(0, limit);
  if (pixels.length < 2) return null;
  const s = cfg.vision.imageSize;
  const params = structureParams(vars);
  const both = tf.tidy(() => {
    const flat = new Float32Array(pixels.length * s * s * cfg.vision.channels);
    pixels.forEach((p, i) => flat.set(p, i * p.length));
    const feats = visionEncode(params.vision, cfg.vision, tf.tensor4d(flat, [pixels.length, s, s, cfg.vision.channels])); // [n, np, dv]
    const projected = projectImages(params, cfg, feats, PROJECTORS.mlmVision).reshape([pixels.length, cfg.vision.numPatches, cfg.mlm.dModel]); // [n, np, d]
    return tf.stack([spreadOf(feats), spreadOf(projected)]); // [2]
  });
  const [vision, mlmProjector] = Array.from(await both.data());
  both.dispose();
  return { n: pixels.length, vision: vision!, mlmProjector: mlmProjector! };
}
