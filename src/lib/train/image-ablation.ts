/**
 * Image ablations for evaluation: does the model read its images? The same questions are
 * scored with their own images ("real"), with a blank image of the right size ("blank":
 * every pixel white, the generator's background, so nothing is drawn), or with another
 * sample's image ("shuffled": a seeded derangement among the items that have an image).
 * Items without an image (math-text) are left as they are. Pure data: no tensors.
 */
import type { BatchItem } from "../meteor/batch.ts";
import { mulberry32 } from "../nn/init.ts";

export const IMAGE_MODES = ["real", "blank", "shuffled"] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];

/** `items` with their images replaced as `mode` says (new items; the inputs are not changed). */
export function withImages(items: readonly BatchItem[], mode: ImageMode, seed = 0): BatchItem[] {
  if (!IMAGE_MODES.includes(mode)) throw new Error(`image mode must be ${IMAGE_MODES.join(", ")}, got "${String(mode)}"`);
  if (mode === "real") return [...items];
  if (mode === "blank") return items.map((it) => (it.pixels ? { ...it, pixels: new Float32Array(it.pixels.length).fill(1) } : it));
  const withImage = items.flatMap((it, i) => (it.pixels ? [i] : []));
  const order = derangement(withImage.length, seed);
  const out = [...items];
  withImage.forEach((i, k) => {
    out[i] = { ...items[i]!, pixels: items[withImage[order[k]!]!]!.pixels! };
  });
  return out;
}

/**
 * A seeded permutation of 0…n−1 with no fixed point (Sattolo's algorithm: one n-cycle), so
 * every item gets another item's image. n = 1 keeps its own (there is no other).
 */
export function derangement(n: number, seed: number): number[] {
  const rand = mulberry32(seed >>> 0);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
