/**
 * Seeded randomness for the fuzz targets: every input is a pure function of (seed, target,
 * index), so a failure found at any count is reproduced by `--target T --seed S --index I`.
 */
import { mulberry32 } from "../../src/lib/random.ts";

/** A 32-bit seed for input `index` of `target` (FNV-1a over the three, then mixed). */
export function seedFor(seed: number, target: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${target}/${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

export class Rand {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("Rand.pick: empty list");
    return xs[this.int(xs.length)]!;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.#next() * total;
    for (const [w, v] of choices) {
      if (r < w) return v;
      r -= w;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
