/** What every generated family provides to `generateDataset`. */
import type { Rng } from "../random.ts";
import type { Draft, Family, Split } from "../sample.ts";

/** One question template: draws a complete triple (rejecting and redrawing internally as needed). */
export interface Template {
  readonly name: string;
  draft(rng: Rng, split: Split): Draft;
}

export { TIERS, type Tier } from "../tier.ts";

export interface FamilyDefinition {
  readonly family: Family;
  /** Every answer the family can produce; a uniform guess over it is the chance level. */
  readonly answers: readonly string[];
  /**
   * How splits are kept apart: "digit-pools" — the images use only the split's own MNIST
   * digits, so they can never repeat across splits; "instance-key" — `splitOfKey(draft.key)`
   * must equal the split asked for.
   */
  readonly hygiene: "digit-pools" | "instance-key";
  /** The reasoning tier's templates, drawn uniformly. */
  readonly templates: readonly Template[];
  /** The perception tier's templates (none for text-only families). */
  readonly perception: readonly Template[];
}

/** "So the answer is 7." in one of a few phrasings. */
export function conclusion(rng: Rng, answer: string): string {
  const forms = [`So the answer is ${answer}.`, `Therefore the answer is ${answer}.`, `The final answer is ${answer}.`];
  return forms[Math.floor(rng() * forms.length)]!;
}

/** Redraws `make` until `ok` holds (bounded, so a template bug cannot hang generation). */
export function drawUntil<T>(rng: Rng, make: (rng: Rng) => T, ok: (x: T) => boolean, what: string): T {
  for (let i = 0; i < 10_000; i++) {
    const x = make(rng);
    if (ok(x)) return x;
  }
  throw new Error(`could not draw a valid ${what} in 10000 tries`);
}
