/**
 * A training run's whole configuration — model preset, system, data sizes, optimisation —
 * resolved once and frozen, with the named run presets (`tiny`, `small`) as data. What
 * `meteor train` writes into a checkpoint's config.json, and what a resumed run reads back.
 */
import { ConfigError, boolField, intField, positiveField, rejectUnknownKeys, showValue } from "../config-fields.ts";
import { FAMILIES, type Family } from "../data/sample.ts";
import type { TorPlacement } from "../data/insert-tor.ts";
import { checkTiers } from "../data/config.ts";
import type { Tier } from "../data/tier.ts";
import { METEOR_PRESETS, resolveMeteorConfig, type MeteorConfigInput } from "../meteor/config.ts";
import { checkEmbedderKind, type EmbedderKind } from "../embedder/config.ts";
import { STAGES_OF, type Stage, type System } from "./stages.ts";
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from "./trainer.ts";

export interface RunConfigInput {
  /** Model size: a Meteor preset ("tiny", "small"). */
  preset: string;
  /**
   * "meteor" (default), or a baseline: "mlm" (no Mamba, no rationale), "oracle" (rationale
   * in the prompt), "rationale" (no Mamba; the MLM is trained to write the rationale, then
   * the answer, and at test time answers after its own rationale).
   */
  system?: System;
  /** Rationale embedder: "mamba" (default), or a matched "gpt" / "bert" Transformer (Table 3). */
  embedder?: EmbedderKind;
  /** Sizes that replace the preset's, per part, e.g. `{ mlm: { dModel: 64, nLayer: 1 } }` (Table 3's backbone row). */
  model?: ModelOverrides;
  /** Share of step-1 samples that embed their rationale (the rest embed the answer), in [0, 1]. Default 1; the paper's model: 0.9. */
  rationaleShare?: number;
  /** Seeds data order, initialisation and `<tor>` random placement. Default 0. */
  seed?: number;
  /** `<tor>` tokens per sample, ≥ 2. Default 10 (the paper's). */
  numTor?: number;
  /** Seed of the generated data, fixed across runs so systems and seeds see the same samples. Default 0. */
  dataSeed?: number;
  /**
   * "fixed" (default): epochs over `trainSize` generated samples; "stream": every step reads
   * fresh samples from the endless generator (nothing to memorise), and `trainSize` samples
   * only fit the tokenizer and the template prior.
   */
  trainData?: TrainData;
  /**
   * A pretrained base checkpoint (directory) whose vision encoder, MLM vision projector and
   * MLM the run starts from instead of a pretrain stage (`base-checkpoint.ts`); the run
   * then has no pretrain steps and uses the base's tokenizer. Default: none.
   */
  base?: string | null;
  /** Training-set size (samples, spread over the families). */
  trainSize?: number;
  /** Validation samples used during training. */
  validationSize?: number;
  /** Test samples for `meteor eval`. */
  testSize?: number;
  families?: readonly Family[] | "all";
  /** Question tiers: ["reasoning"] (default) or with "perception" (read one digit, bar or count). */
  tiers?: readonly Tier[];
  /**
   * Share of training samples drawn from the perception tier (the rest from the reasoning
   * tier), in [0, 1]; needs both tiers. null (default): every template of `tiers` equally
   * likely, the mix of the validation and test sets. A curriculum knob: it changes what the
   * run trains on, never what it is scored on.
   */
  perceptionShare?: number | null;
  /** Optimisation steps per stage; a baseline ignores "embed". */
  steps?: Partial<Record<Stage, number>>;
  batchSize?: number;
  lr?: number;
  warmupSteps?: number;
  clipNorm?: number;
  trainVision?: boolean;
  placement?: TorPlacement;
  evalEvery?: number;
}

/** Size fields of the preset's parts to replace (vocabulary and `<tor>` count are the run's). */
export interface ModelOverrides {
  vision?: Partial<MeteorConfigInput["vision"]>;
  mamba?: Partial<MeteorConfigInput["mamba"]>;
  mlm?: Partial<MeteorConfigInput["mlm"]>;
}

export type TrainData = "fixed" | "stream";

export interface RunConfig {
  readonly preset: string;
  readonly trainData: TrainData;
  /** The base checkpoint's directory, or null (train the pretrain stage). */
  readonly base: string | null;
  readonly system: System;
  readonly embedder: EmbedderKind;
  /** Normalised: only parts and fields given, none undefined; `{}` for the preset as it is. */
  readonly model: Readonly<ModelOverrides>;
  readonly seed: number;
  readonly numTor: number;
  readonly dataSeed: number;
  readonly trainSize: number;
  readonly validationSize: number;
  readonly testSize: number;
  readonly families: readonly Family[];
  readonly tiers: readonly Tier[];
  /** Share of training samples from the perception tier, or null for the test sets' mix. */
  readonly perceptionShare: number | null;
  readonly train: Readonly<TrainOptions>;
}

/** Per-preset defaults: how long each stage trains, how much data. */
export const RUN_PRESETS: Record<string, Omit<RunConfigInput, "preset">> = {
  tiny: { trainSize: 2000, validationSize: 128, testSize: 400, steps: { pretrain: 250, embed: 120, answer: 200 }, batchSize: 16, lr: 3e-3 },
  /**
   * The study: fresh samples every step, both question tiers, and the committed base in
   * place of the perceive and pretrain stages (made by `npm run meteor -- train --preset
   * study --base none --system mlm --steps-perceive 1500 --steps-pretrain 2500
   * --steps-answer 0 --out data/checkpoints/study-base`). 2000 test questions.
   */
  study: {
    trainData: "stream",
    tiers: ["reasoning", "perception"],
    // 40 % of training questions read one fact (the test sets' natural mix has 8 %): one run
    // each, 4000 answer steps, 800 test questions: 36.0 % vs 32.6 % overall, perception 47 % vs 38 %
    perceptionShare: 0.4,
    base: "data/checkpoints/study-base",
    trainSize: 4000,
    validationSize: 128,
    testSize: 2000,
    // fine-tuning the pretrained base: 900 answer steps at 5e-4 gave 25 %; the MLM alone at
    // 1e-3 rose to 32.6 % by step 4000 (math-text 21 % → 48 %), still rising
    steps: { perceive: 0, pretrain: 0, embed: 300, answer: 4000 },
    batchSize: 16,
    lr: 1e-3,
  },
  small: { trainSize: 6000, validationSize: 256, testSize: 800, steps: { pretrain: 1200, embed: 600, answer: 900 }, batchSize: 16, lr: 2e-3 },
};

const KNOWN = new Set([
  "preset", "system", "trainData", "base", "seed", "numTor", "dataSeed", "trainSize", "validationSize", "testSize", "families", "tiers", "perceptionShare", "steps", "batchSize", "lr",
  "warmupSteps", "clipNorm", "trainVision", "placement", "evalEvery", "embedder", "model", "rationaleShare",
]);
const SYSTEMS: readonly System[] = ["meteor", "mlm", "oracle", "rationale"];

export function resolveRunConfig(input: RunConfigInput): RunConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("run config must be an object");
  rejectUnknownKeys("run", input, KNOWN);
  if (typeof input.preset !== "string" || !Object.hasOwn(METEOR_PRESETS, input.preset)) {
    throw new ConfigError(`unknown preset ${showValue(input.preset)}; known: ${Object.keys(METEOR_PRESETS).join(", ")}`);
  }
  const base = RUN_PRESETS[input.preset] ?? RUN_PRESETS.tiny!;
  const v = { ...base, ...Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined)) } as RunConfigInput;
  const system = v.system ?? "meteor";
  if (!SYSTEMS.includes(system)) throw new ConfigError(`run.system must be ${SYSTEMS.join(", ")}, got ${showValue(system)}`);
  const steps = { perceive: 0, pretrain: 0, embed: 0, answer: 0, ...base.steps, ...v.steps };
  rejectUnknownKeys("run.steps", steps, STAGES_OF.meteor);
  for (const [k, n] of Object.entries(steps)) intField(`run.steps.${k}`, n, 0);
  if (system !== "meteor") steps.embed = 0;
  const baseDir = v.base ?? null;
  if (baseDir !== null && (typeof baseDir !== "string" || baseDir.trim() === "")) throw new ConfigError(`run.base must be a checkpoint directory or null, got ${showValue(baseDir)}`);
  if (baseDir !== null && steps.pretrain > 0) {
    throw new ConfigError(`run.base (${baseDir}) replaces the pretrain stage, but run.steps.pretrain is ${steps.pretrain}: set it to 0, or base to null to pretrain from scratch`);
  }
  const families = v.families === undefined || v.families === "all" ? [...FAMILIES] : Array.isArray(v.families) ? [...v.families] : [];
  if (families.length === 0) throw new ConfigError(`run.families must be "all" or a non-empty list, got ${showValue(v.families)}`);
  for (const f of families) if (!FAMILIES.includes(f)) throw new ConfigError(`unknown family ${showValue(f)}; known: ${FAMILIES.join(", ")}`);
  if (new Set(families).size !== families.length) throw new ConfigError(`run.families lists a family twice: ${families.join(", ")}`);
  const lr = positiveField("run.lr", v.lr ?? DEFAULT_TRAIN_OPTIONS.lr);
  const placement = v.placement ?? DEFAULT_TRAIN_OPTIONS.placement;
  if (!["even", "start", "end", "random"].includes(placement)) throw new ConfigError(`run.placement must be even, start, end or random, got ${showValue(placement)}`);
  const seed = v.seed ?? 0;
  const share = v.rationaleShare ?? DEFAULT_TRAIN_OPTIONS.rationaleShare;
  if (typeof share !== "number" || !(share >= 0 && share <= 1)) throw new ConfigError(`run.rationaleShare must be a number in [0, 1], got ${showValue(share)}`);
  const tiers = checkTiers("run.tiers", v.tiers ?? ["reasoning"]);
  const perceptionShare = v.perceptionShare ?? null;
  if (perceptionShare !== null) {
    if (typeof perceptionShare !== "number" || !(perceptionShare >= 0 && perceptionShare <= 1)) throw new ConfigError(`run.perceptionShare must be a number in [0, 1] or null, got ${showValue(perceptionShare)}`);
    if (!tiers.includes("perception") || !tiers.includes("reasoning")) throw new ConfigError(`run.perceptionShare mixes the two tiers, but run.tiers is [${tiers.join(", ")}]: list both, or set perceptionShare to null`);
  }
  const model = normaliseOverrides(v.model ?? {});
  const trainData = v.trainData ?? "fixed";
  if (trainData !== "fixed" && trainData !== "stream") throw new ConfigError(`run.trainData must be "fixed" or "stream", got ${showValue(trainData)}`);
  // resolving now names a bad override here, not at the first forward
  resolveMeteorConfig(meteorConfigInputOf({ preset: input.preset, model, embedder: checkEmbedderKind(v.embedder ?? "mamba", "run.embedder"), numTor: 2 }, 8));
  return Object.freeze({
    preset: input.preset,
    trainData,
    base: baseDir,
    system,
    embedder: checkEmbedderKind(v.embedder ?? "mamba", "run.embedder"),
    model,
    seed: intField("run.seed", seed, 0),
    numTor: intField("run.numTor", v.numTor ?? 10, 2), // placeTor needs ≥ 2: --num-tor 1 crashed at the embed stage
    dataSeed: intField("run.dataSeed", v.dataSeed ?? 0, 0),
    trainSize: intField("run.trainSize", v.trainSize),
    validationSize: intField("run.validationSize", v.validationSize),
    testSize: intField("run.testSize", v.testSize),
    families: Object.freeze(families),
    tiers,
    perceptionShare,
    train: Object.freeze({
      ...DEFAULT_TRAIN_OPTIONS,
      system,
      seed,
      steps: Object.freeze(steps),
      batchSize: intField("run.batchSize", v.batchSize ?? DEFAULT_TRAIN_OPTIONS.batchSize),
      lr,
      warmupSteps: intField("run.warmupSteps", v.warmupSteps ?? DEFAULT_TRAIN_OPTIONS.warmupSteps, 0),
      clipNorm: positiveField("run.clipNorm", v.clipNorm ?? DEFAULT_TRAIN_OPTIONS.clipNorm),
      trainVision: boolField("run.trainVision", v.trainVision ?? DEFAULT_TRAIN_OPTIONS.trainVision),
      placement,
      rationaleShare: share,
      evalEvery: intField("run.evalEvery", v.evalEvery ?? DEFAULT_TRAIN_OPTIONS.evalEvery, 0),
    }),
  });
}

function normaliseOverrides(model: unknown): Readonly<ModelOverrides> {
  if (model === null || typeof model !== "object" || Array.isArray(model)) throw new ConfigError(`run.model must be an object, got ${showValue(model)}`);
  rejectUnknownKeys("run.model", model, ["vision", "mamba", "mlm"]);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [part, fields] of Object.entries(model as Record<string, unknown>)) {
    if (fields === undefined) continue;
    if (fields === null || typeof fields !== "object" || Array.isArray(fields)) throw new ConfigError(`run.model.${part} must be an object, got ${showValue(fields)}`);
    const kept = Object.entries(fields).filter(([, x]) => x !== undefined);
    if (kept.length > 0) out[part] = Object.freeze(Object.fromEntries(kept));
  }
  return Object.freeze(out) as Readonly<ModelOverrides>;
}

/** The Meteor config a run trains: its preset with the run's size overrides, embedder, `<tor>` count and the tokenizer's vocabulary. */
export function meteorConfigInputOf(
  run: Pick<RunConfig, "preset" | "model" | "embedder" | "numTor">,
  vocabSize: number,
): MeteorConfigInput {
  const base: MeteorConfigInput = METEOR_PRESETS[run.preset as keyof typeof METEOR_PRESETS];
  if (!base) throw new ConfigError(`unknown preset ${showValue(run.preset)}`);
  return {
    ...base,
    vision: { ...base.vision, ...run.model.vision },
    mamba: { ...base.mamba, ...run.model.mamba },
    mlm: { ...base.mlm, ...run.model.mlm },
    vocabSize,
    numTor: run.numTor,
    ...(run.embedder !== "mamba" ? { embedder: run.embedder } : {}),
  };
}

/** The input that reproduces `cfg` (what a checkpoint stores). */
export function runConfigInput(cfg: RunConfig): RunConfigInput {
  const { train, ...rest } = cfg;
  return {
    ...rest,
    families: [...cfg.families],
    tiers: [...cfg.tiers],
    steps: { ...train.steps },
    batchSize: train.batchSize,
    lr: train.lr,
    warmupSteps: train.warmupSteps,
    clipNorm: train.clipNorm,
    trainVision: train.trainVision,
    placement: train.placement,
    rationaleShare: train.rationaleShare,
    evalEvery: train.evalEvery,
    model: structuredClone(cfg.model) as ModelOverrides,
  };
}
