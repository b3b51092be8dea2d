/**
 * Split hygiene. Train, validation and test never share an image or a template instance:
 *
 * - MNIST digits: each class's images are cut into three contiguous, disjoint index pools
 *   (80 / 10 / 10 %), and a split draws digits only from its own pool;
 * - everything else: a template instance's `key` (its image spec, or a text problem's
 *   numbers) is hashed to a number in [0, 1) that decides its split; a generator draws
 *   until it gets an instance of the split it is asked for.
 *
 * Neither rule involves the seed, so datasets made with different seeds still never share
 * an image or an instance across splits.
 */
import { hash32 } from "./random.ts";
import type { Split } from "./sample.ts";

/** Share of the key space (and of each digit class) given to each split. */
export const SPLIT_FRACTIONS: Readonly<Record<Split, number>> = Object.freeze({ train: 0.8, validation: 0.1, test: 0.1 });

/** The split a template instance belongs to, from the hash of its key alone. */
export function splitOfKey(key: string): Split {
  const u = hash32(`split|${key}`) / 4294967296;
  if (u < SPLIT_FRACTIONS.train) return "train";
  if (u < SPLIT_FRACTIONS.train + SPLIT_FRACTIONS.validation) return "validation";
  return "test";
}

/** The half-open index range [start, end) of a split's pool among `count` items. */
export function poolRange(count: number, split: Split): { start: number; end: number } {
  const a = Math.floor(count * SPLIT_FRACTIONS.train);
  const b = Math.floor(count * (SPLIT_FRACTIONS.train + SPLIT_FRACTIONS.validation));
  if (split === "train") return { start: 0, end: a };
  if (split === "validation") return { start: a, end: b };
  return { start: b, end: count };
}
