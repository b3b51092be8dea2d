/**
 * Seeded randomness for the generators. Every sample draws from its own stream, seeded by
 * a hash of (seed, family, split, index), so a sample never depends on the ones before it
 * and the same arguments always give the same sample, in Node and in the browser.
 */
import { mulberry32 } from "../random.ts";

/** A PRNG: floats in [0, 1). */
export type Rng = () => number;

/**
 * 32-bit string hash: FNV-1a over UTF-16 code units, then MurmurHash3's fmix32 finaliser
 * so that keys differing in one character land far apart.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A fresh stream seeded by the hash of `parts` joined with "|". */
export function rngFor(...parts: readonly (string | number)[]): Rng {
  return mulberry32(hash32(parts.join("|")));
}

/** Uniform integer in [lo, hi], both ends included. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** One element, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** `k` distinct elements in random order. */
export function pickDistinct<T>(rng: Rng, items: readonly T[], k: number): T[] {
  if (k > items.length) throw new RangeError(`cannot pick ${k} distinct items from ${items.length}`);
  return shuffled(rng, items).slice(0, k);
}

/** [lo, lo+1, …, hi]. */
export function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
