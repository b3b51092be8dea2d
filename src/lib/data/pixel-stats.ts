/**
 * Per-channel pixel statistics of the generator's images, the playground's counterpart of
 * CLIP's `image_mean` / `image_std`: the vision encoder subtracts the mean and divides by
 * the std (`VisionConfig.pixelMean` / `pixelStd`). Without it 94 % of every input is the
 * white background at 1.0 and training collapses the image features into one vector.
 */

/** Mean and std per channel of `images`, each [s, s, c] row-major in [0, 1]. */
export function pixelStatistics(images: readonly Float32Array[], channels = 3): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  let count = 0;
  for (const px of images) {
    if (px.length % channels !== 0) throw new Error(`an image of ${px.length} values is not a whole number of ${channels}-channel pixels`);
    for (let i = 0; i < px.length; i++) {
      const v = px[i]!;
      sum[i % channels] += v;
      sq[i % channels] += v * v;
    }
    count += px.length / channels;
  }
  if (count === 0) throw new Error("pixelStatistics: no pixels");
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / count - mean[c]! ** 2, 0)));
  return { mean, std };
}

/**
 * The generator's statistics at 32 px over 3,000 training images (1,000 per image family),
 * rounded to 3 decimals; made by
 * `npx tsx scripts/pixel-stats.ts --n 3000 --size 32` and checked by `test/data/pixel-stats.test.ts`.
 */
export const GENERATOR_PIXEL_STATS = Object.freeze({
  mean: Object.freeze([0.899, 0.892, 0.886]),
  std: Object.freeze([0.228, 0.224, 0.245]),
});
