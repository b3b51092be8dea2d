/**
 * Meteor's configuration: the four parts (vision encoder, Meteor-Mamba, MLM, and the
 * number of `<tor>` tokens) and the named presets, from the playground's `tiny` to the
 * full-size Meteor-7B (CLIP-L/14-336, Mamba-130M with InternLM2's 92,546-row embedding,
 * InternLM2-7B). The tokenizer's size sets both language models' vocabularies; the MLM's
 * head has two rows fewer, so `<image>` and `<tor>` (the last two ids) are never emitted.
 * `embedder` swaps Meteor-Mamba for a Transformer of matched size (Table 3's "rationale
 * embedder" ablation, `../embedder/config.ts`); the `mamba` section then sets its width and depth.
 */
import { boolField, intField } from "../config-fields.ts";
import { ConfigError, resolveMambaConfig, type MambaConfig, type MambaConfigInput } from "../mamba/config.ts";
import { countMambaParams } from "../mamba/params.ts";
import { INTERNLM2_7B, resolveMlmConfig, type MlmConfig, type MlmConfigInput } from "../mlm/config.ts";
import { countMlmParams } from "../mlm/params.ts";
import { CLIP_L14_336, resolveVisionConfig, type VisionConfig, type VisionConfigInput } from "../vision/config.ts";
import { countVisionParams } from "../vision/params.ts";
import { projectorShapes } from "./projector.ts";
import { GENERATOR_PIXEL_STATS } from "../data/pixel-stats.ts";
import { factHeadShapes } from "../vision/fact-head.ts";
import { countParams } from "../nn/shapes.ts";
import { checkEmbedderKind, matchedTransformerConfig, type EmbedderKind, type TransformerEmbedderConfig } from "../embedder/config.ts";
import { countTransformerEmbedderParams } from "../embedder/params.ts";

export interface MeteorConfigInput {
  /** Tokenizer size incl. special tokens; `<image>`, `<tor>` must be its last two ids. Meteor-7B: 92546. */
  vocabSize: number;
  /** `<tor>` tokens per sample. Paper: 10. */
  numTor?: number;
  vision: VisionConfigInput;
  /** Meteor-Mamba; its vocabulary is the tokenizer's. */
  mamba: Omit<MambaConfigInput, "vocabSize">;
  /** Backbone MLM; its vocabulary is the tokenizer's, its head two rows smaller. */
  mlm: Omit<MlmConfigInput, "vocabSize" | "outputVocab">;
  /** What embeds the rationale in the `<tor>` states: "mamba" (default, the paper's), "gpt" or "bert" (matched Transformers). */
  embedder?: EmbedderKind;
  /** The two image projectors end in an RMSNorm with a learned gain (`projector.ts`). Default false (the paper's projectors). */
  imageFeatureNorm?: boolean;
  /**
   * A perception head on the vision encoder (`vision/fact-head.ts`), trained in the
   * "perceive" stage to read each image's structured facts; the model's answers never use
   * it. Default false.
   */
  factHead?: boolean;
}

export interface MeteorConfig {
  readonly vocabSize: number;
  readonly numTor: number;
  readonly vision: VisionConfig;
  readonly mamba: MambaConfig;
  readonly mlm: MlmConfig;
  readonly embedder: EmbedderKind;
  /** The Transformer standing in for the Mamba ("gpt", "bert"), sized from `mamba`; null for "mamba". */
  readonly transformer: TransformerEmbedderConfig | null;
  /** Whether the image projectors end in an RMSNorm. */
  readonly imageFeatureNorm: boolean;
  /** Whether the model has the perception head (`facts.*`). */
  readonly factHead: boolean;
}

export function resolveMeteorConfig(input: MeteorConfigInput): MeteorConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("Meteor config must be an object");
  for (const k of Object.keys(input)) {
    if (!["vocabSize", "numTor", "vision", "mamba", "mlm", "embedder", "imageFeatureNorm", "factHead"].includes(k)) throw new ConfigError(`unknown Meteor config field "${k}"`);
  }
  const numTor = intField("numTor", input.numTor ?? 10);
  intField("vocabSize", input.vocabSize, 3);
  if (!input.vision || !input.mamba || !input.mlm) throw new ConfigError("Meteor config needs vision, mamba and mlm sections");
  const embedder = checkEmbedderKind(input.embedder ?? "mamba");
  const mamba = resolveMambaConfig({ ...input.mamba, vocabSize: input.vocabSize });
  return Object.freeze({
    vocabSize: input.vocabSize,
    numTor,
    vision: resolveVisionConfig(input.vision),
    mamba,
    mlm: resolveMlmConfig({ ...input.mlm, vocabSize: input.vocabSize, outputVocab: input.vocabSize - 2 }),
    embedder,
    transformer: embedder === "mamba" ? null : matchedTransformerConfig(embedder, mamba),
    imageFeatureNorm: boolField("imageFeatureNorm", input.imageFeatureNorm ?? false),
    factHead: boolField("factHead", input.factHead ?? false),
  });
}

/** The generator's pixel statistics as vision config fields (`../data/pixel-stats.ts`). */
const GENERATOR_PIXELS = { pixelMean: GENERATOR_PIXEL_STATS.mean, pixelStd: GENERATOR_PIXEL_STATS.std };

const TINY = {
  vocabSize: 512,
  vision: { imageSize: 32, patchSize: 8, dModel: 64, nLayer: 1, nHead: 4, mlpDim: 128, ...GENERATOR_PIXELS },
  mamba: { dModel: 64, nLayer: 2, dState: 8 },
  mlm: { dModel: 96, nLayer: 2, nHead: 4, nKvHead: 2, ffnDim: 192 },
  imageFeatureNorm: true,
  factHead: true,
} as const;

/** Named sizes. `tiny` trains in minutes on two CPU cores; `meteor-7b` is the paper's model. */
export const METEOR_PRESETS = {
  tiny: TINY,
  /** The study's sizes are tiny's; its runs start from the committed base (`data/checkpoints/study-base`). */
  study: TINY,
  small: {
    vocabSize: 512,
    vision: { imageSize: 32, patchSize: 4, dModel: 96, nLayer: 2, nHead: 4, mlpDim: 192, ...GENERATOR_PIXELS },
    mamba: { dModel: 96, nLayer: 3, dState: 16 },
    mlm: { dModel: 160, nLayer: 4, nHead: 8, nKvHead: 2, ffnDim: 384 },
    imageFeatureNorm: true,
    factHead: true,
  },
  "meteor-7b": {
    vocabSize: 92546,
    vision: CLIP_L14_336,
    mamba: { dModel: 768, nLayer: 24 },
    mlm: { dModel: INTERNLM2_7B.dModel, nLayer: INTERNLM2_7B.nLayer, nHead: INTERNLM2_7B.nHead, nKvHead: INTERNLM2_7B.nKvHead, ffnDim: INTERNLM2_7B.ffnDim, ropeTheta: 1_000_000 },
  },
} as const satisfies Record<string, MeteorConfigInput>;

export type MeteorPresetName = keyof typeof METEOR_PRESETS;

/** A preset, optionally with a different vocabulary size (the tokenizer's) and numTor. */
export function meteorPreset(name: string, overrides: { vocabSize?: number; numTor?: number } = {}): MeteorConfig {
  if (!(name in METEOR_PRESETS)) {
    throw new ConfigError(`unknown Meteor preset "${name}"; known: ${Object.keys(METEOR_PRESETS).join(", ")}`);
  }
  const base: MeteorConfigInput = METEOR_PRESETS[name as MeteorPresetName];
  return resolveMeteorConfig({ ...base, ...overrides });
}

/** Parameter names of the three projectors, by prefix. */
export const PROJECTORS = {
  mambaVision: "mamba_vision_proj",
  mlmVision: "mlm_vision_proj",
  tor: "tor_proj",
} as const;

/**
 * Exact parameter counts per part (adapters such as LoRA are not counted); `mamba` counts
 * whichever rationale embedder the config uses; `factHead` (when the config has one) is the
 * training-only perception head, outside `total`.
 */
export function countMeteorParams(cfg: MeteorConfig): Record<string, number> & { total: number } {
  const parts = {
    vision: countVisionParams(cfg.vision),
    mambaVisionProjector: countParams(projectorShapes(PROJECTORS.mambaVision, cfg.vision.dModel, cfg.mamba.dModel, { norm: cfg.imageFeatureNorm })),
    mlmVisionProjector: countParams(projectorShapes(PROJECTORS.mlmVision, cfg.vision.dModel, cfg.mlm.dModel, { norm: cfg.imageFeatureNorm })),
    mamba: cfg.transformer ? countTransformerEmbedderParams(cfg.transformer) : countMambaParams(cfg.mamba),
    torProjector: countParams(projectorShapes(PROJECTORS.tor, cfg.mamba.dModel, cfg.mlm.dModel)),
    mlm: countMlmParams(cfg.mlm),
  };
  // the perception head trains the vision encoder in the perceive stage and is never used to answer: listed apart, not in the total
  return { ...parts, ...(cfg.factHead ? { factHead: countParams(factHeadShapes(cfg.vision)) } : {}), total: Object.values(parts).reduce((a, b) => a + b, 0) };
}
