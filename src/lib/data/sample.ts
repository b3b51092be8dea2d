/**
 * One generated question–rationale–answer triple, the unit of the playground's data
 * (spec §6: the paper's 1.1M triples from three families, here generated from a seed).
 */
import type { ImageSpec } from "./image-spec.ts";
import type { Tier } from "./tier.ts";

/**
 * The four generated families, mirroring the paper's three (spec §6) with "math" split in
 * two as the paper splits it: real-world images → `scene`; documents, charts, diagrams,
 * signs and symbols → `chart`; math with images → `math-vision`; text-only math → `math-text`.
 */
export const FAMILIES = ["math-vision", "chart", "scene", "math-text"] as const;
export type Family = (typeof FAMILIES)[number];

export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

export interface Sample {
  /** Unique within a dataset: `${family}-${split}-${seed}-${index}`; also the image's file name. */
  readonly id: string;
  readonly family: Family;
  readonly split: Split;
  /** Which question template made it, e.g. "two-largest-sum" (for per-template accuracy). */
  readonly template: string;
  /** "reasoning" (read, then combine or compute) or "perception" (read one thing off the image). */
  readonly tier: Tier;
  readonly question: string;
  /** Step-by-step: what is read from the image, then each computation, then the answer; ≥ 27 words. */
  readonly rationale: string;
  /** A number or one word, from the family's answer set (`FAMILY_INFO[family].answers`). */
  readonly answer: string;
  /** What to draw; absent for `math-text`. */
  readonly image?: ImageSpec;
}

/** What a family generator returns for one draw, before the dataset gives it an id. */
export interface Draft {
  readonly template: string;
  readonly question: string;
  readonly rationale: string;
  readonly answer: string;
  readonly image?: ImageSpec;
  /**
   * The identity of the template instance, independent of phrasing: the image spec for
   * image families, the template and its numbers for text problems. Splits are assigned
   * from it, so the same instance never reaches two splits.
   */
  readonly key: string;
}
