/**
 * Dataset configuration: what a caller writes (`DataConfigInput`) and what the generator
 * uses (`DataConfig`: resolved once, validated, frozen), as `mamba/config.ts` does it.
 */
import { ConfigError } from "../mamba/config.ts";
import { FAMILIES, SPLITS, type Family, type Split } from "./sample.ts";
import { TIERS, type Tier } from "./tier.ts";
import { showValue } from "../config-fields.ts";

/** A non-empty list of distinct tiers, frozen; a ConfigError naming `path` otherwise. */
export function checkTiers(path: string, v: unknown): readonly Tier[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((t) => !TIERS.includes(t)) || new Set(v).size !== v.length) {
    throw new ConfigError(`${path} must be a non-empty list of distinct tiers (${TIERS.join(", ")}), got ${showValue(v)}`);
  }
  return Object.freeze([...v] as Tier[]);
}

export interface DataConfigInput {
  /** Which families, or "all" (the default). Samples cycle through them in this order. */
  families?: readonly Family[] | "all";
  /** Number of samples in total, spread round-robin over the families. Example: 2000. */
  n: number;
  /** Seed of every sample's random stream (any integer in 0 … 2³²−1). Default 0. */
  seed?: number;
  /** Which split to draw from; splits never share images or instances. Default "train". */
  split?: Split;
  /** Side in pixels of the rendered square images (rendering only). Default 32. */
  imageSize?: number;
  /** Question tiers drawn: ["reasoning"] (default), ["perception"], or both. */
  tiers?: readonly Tier[];
}

export interface DataConfig {
  readonly families: readonly Family[];
  readonly n: number;
  readonly seed: number;
  readonly split: Split;
  readonly imageSize: number;
  readonly tiers: readonly Tier[];
}

/** The one place the defaults live (the CLI help reads them from here). */
export const DATA_CONFIG_DEFAULTS = { families: "all", seed: 0, split: "train", imageSize: 32, tiers: ["reasoning"] } as const satisfies Required<Omit<DataConfigInput, "n">>;
const DEFAULTS = DATA_CONFIG_DEFAULTS;

const KNOWN_KEYS = new Set<string>(["n", ...Object.keys(DEFAULTS)]);

/** Validates `input`, fills defaults and returns a frozen copy; unknown fields are errors. */
export function resolveDataConfig(input: DataConfigInput): DataConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("data config must be an object");
  for (const k of Object.keys(input)) {
    if (!KNOWN_KEYS.has(k)) throw new ConfigError(`unknown data config field "${k}"`);
  }
  const v = { ...DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined)) } as unknown as Required<DataConfigInput>;
  const families = v.families === "all" ? [...FAMILIES] : [...v.families];
  if (!Array.isArray(families) || families.length === 0) throw new ConfigError(`config.families must be "all" or a non-empty list`);
  for (const f of families) {
    if (!(FAMILIES as readonly string[]).includes(f)) throw new ConfigError(`unknown family "${f}"; known: ${FAMILIES.join(", ")}`);
  }
  if (new Set(families).size !== families.length) throw new ConfigError(`config.families lists a family twice: ${families.join(", ")}`);
  if (!Number.isInteger(v.n) || v.n < 0) throw new ConfigError(`config.n must be a non-negative integer, got ${JSON.stringify(v.n)}`);
  if (!Number.isInteger(v.seed) || v.seed < 0 || v.seed > 0xffffffff) throw new ConfigError(`config.seed must be an integer in 0…4294967295, got ${JSON.stringify(v.seed)}`);
  if (!(SPLITS as readonly string[]).includes(v.split)) throw new ConfigError(`unknown split "${v.split}"; known: ${SPLITS.join(", ")}`);
  if (!Number.isInteger(v.imageSize) || v.imageSize < 8 || v.imageSize > 1024) {
    throw new ConfigError(`config.imageSize must be an integer in 8…1024, got ${JSON.stringify(v.imageSize)}`);
  }
  return Object.freeze({ families: Object.freeze(families), n: v.n, seed: v.seed, split: v.split, imageSize: v.imageSize, tiers: checkTiers("config.tiers", v.tiers) });
}
