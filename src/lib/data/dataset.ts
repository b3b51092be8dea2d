/**
 * `generateDataset`: samples as pure data (no rendering), deterministic from the config.
 * Sample i of a dataset is family `families[i mod F]`, number ⌊i / F⌋ of that family, and
 * depends only on (family, split, that number, seed) — never on the other samples.
 */
import { resolveDataConfig, type DataConfig, type DataConfigInput } from "./config.ts";
import { chart } from "./families/chart.ts";
import type { FamilyDefinition, Template, Tier } from "./families/family.ts";
import { mathText } from "./families/math-text.ts";
import { mathVision } from "./families/math-vision.ts";
import { sceneFamily } from "./families/scene.ts";
import { pick, rngFor } from "./random.ts";
import type { Family, Sample, Split } from "./sample.ts";
import { splitOfKey } from "./splits.ts";

/** Every family's generator, answer set and split rule. */
export const FAMILY_DEFINITIONS: Readonly<Record<Family, FamilyDefinition>> = Object.freeze({
  "math-vision": mathVision,
  chart,
  scene: sceneFamily,
  "math-text": mathText,
});

/** The family's answer set and its chance level: a uniform guess over the answer set. */
export function familyInfo(family: Family): { answers: readonly string[]; templates: readonly string[]; perception: readonly string[]; chance: number } {
  const def = FAMILY_DEFINITIONS[family];
  return { answers: def.answers, templates: def.templates.map((t) => t.name), perception: def.perception.map((t) => t.name), chance: 1 / def.answers.length };
}

/** The templates `tiers` draw from, each with its tier (reasoning first, in declaration order). */
function templatesOf(def: FamilyDefinition, tiers: readonly Tier[]): { template: Template; tier: Tier }[] {
  return [
    ...(tiers.includes("reasoning") ? def.templates.map((template) => ({ template, tier: "reasoning" as const })) : []),
    ...(tiers.includes("perception") ? def.perception.map((template) => ({ template, tier: "perception" as const })) : []),
  ];
}

const MAX_TRIES = 10_000;

/**
 * Sample `index` of `family` in `split` for `seed`. A template is drawn (uniformly over the
 * templates of `tiers`), then an instance; for "instance-key" families, instances whose key
 * hashes to another split are redrawn. A family with no template in `tiers` (math-text has
 * no perception tier) draws from its reasoning templates.
 */
export function generateSample(family: Family, split: Split, index: number, seed: number, tiers: readonly Tier[] = ["reasoning"]): Sample {
  const def = FAMILY_DEFINITIONS[family];
  const rng = rngFor(seed, family, split, index);
  const pool = templatesOf(def, tiers);
  const templates = pool.length > 0 ? pool : templatesOf(def, ["reasoning"]);
  for (let t = 0; t < MAX_TRIES; t++) {
    const { template, tier } = pick(rng, templates);
    const d = template.draft(rng, split);
    if (def.hygiene === "instance-key" && splitOfKey(d.key) !== split) continue;
    const id = `${family}-${split}-${seed}-${index}`;
    const base = { id, family, split, template: d.template, tier, question: d.question, rationale: d.rationale, answer: d.answer };
    return d.image ? { ...base, image: d.image } : base;
  }
  throw new Error(`${family}: no ${split} instance in ${MAX_TRIES} draws`);
}

/** `config.n` samples of `config.split`, cycling through `config.families`. */
export function generateDataset(input: DataConfigInput | DataConfig): Sample[] {
  const cfg = resolveDataConfig(input);
  const F = cfg.families.length;
  return Array.from({ length: cfg.n }, (_, i) => generateSample(cfg.families[i % F]!, cfg.split, Math.floor(i / F), cfg.seed, cfg.tiers));
}
