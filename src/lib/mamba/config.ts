/**
 * Mamba configuration: what the user writes (`MambaConfigInput`), what the library uses
 * (`MambaConfig`: resolved once, validated, frozen), and the named presets.
 *
 * Mirrors `MambaConfig` of state-spaces/mamba (`mamba_ssm/models/config_mamba.py`) and of
 * Hugging Face `transformers` (`MambaConfig`), with descriptive names. Derived fields
 * (`dInner = expand·dModel`, `dtRank = ceil(dModel/16)` for "auto") are computed here and
 * nowhere else.
 */

import { ConfigError, boolField, intField, positiveField, rejectUnknownKeys } from "../config-fields.ts";

export { ConfigError };

/** What a user may write. Every optional field has exactly one default, in `DEFAULTS`. */
export interface MambaConfigInput {
  /** Width of the residual stream (paper letter D). Mamba-130M: 768. */
  dModel: number;
  /** Number of residual Mamba blocks. Mamba-130M: 24. */
  nLayer: number;
  /** Rows of the token embedding. Mamba-130M: 50280; Meteor-Mamba: 92546. */
  vocabSize: number;
  /** SSM state size per channel (letter N). Standard: 16. */
  dState?: number;
  /** Inner width factor: dInner = expand · dModel (letter E). Standard: 2. */
  expand?: number;
  /** Causal depthwise conv1d kernel width. Standard: 4. */
  dConv?: number;
  /** Rank of the Δ projection; "auto" = ceil(dModel / 16). Mamba-130M: 48. */
  dtRank?: number | "auto";
  /** Whether the conv1d has a bias (HF `use_conv_bias`). Standard: true. */
  convBias?: boolean;
  /** Whether in_proj / out_proj have biases (HF `use_bias`). Standard: false. */
  projBias?: boolean;
  /** RMSNorm epsilon. Standard: 1e-5. */
  rmsNormEps?: number;
  /** Tie the LM head to the embedding (no `lm_head.weight`). Standard: true. */
  tieEmbeddings?: boolean;
  /** Δ initialisation range (dt_min, dt_max) and floor, as in the official init. */
  dtMin?: number;
  dtMax?: number;
  dtInitFloor?: number;
}

/** The resolved, frozen configuration. Every field is present. */
export interface MambaConfig {
  readonly dModel: number;
  readonly nLayer: number;
  readonly vocabSize: number;
  readonly dState: number;
  readonly expand: number;
  readonly dConv: number;
  readonly dtRank: number;
  /** expand · dModel. Mamba-130M: 1536. */
  readonly dInner: number;
  readonly convBias: boolean;
  readonly projBias: boolean;
  readonly rmsNormEps: number;
  readonly tieEmbeddings: boolean;
  readonly dtMin: number;
  readonly dtMax: number;
  readonly dtInitFloor: number;
}

const DEFAULTS = {
  dState: 16,
  expand: 2,
  dConv: 4,
  dtRank: "auto",
  convBias: true,
  projBias: false,
  rmsNormEps: 1e-5,
  tieEmbeddings: true,
  dtMin: 0.001,
  dtMax: 0.1,
  dtInitFloor: 1e-4,
} as const satisfies Required<Omit<MambaConfigInput, "dModel" | "nLayer" | "vocabSize">>;

const KNOWN_KEYS = new Set<string>(["dModel", "nLayer", "vocabSize", ...Object.keys(DEFAULTS)]);

/**
 * Validates `input`, fills defaults, derives `dInner` and `dtRank`, and returns a frozen
 * copy. The caller's object is never modified. Unknown keys are errors (a typo such as
 * `dstate` must not silently fall back to a default).
 */
export function resolveMambaConfig(input: MambaConfigInput): MambaConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("Mamba config must be an object");
  rejectUnknownKeys("Mamba", input, KNOWN_KEYS);
  const v = { ...DEFAULTS, ...stripUndefined(input) };
  const dModel = intField("mamba.dModel", v.dModel);
  const expand = intField("mamba.expand", v.expand);
  const dtRank = v.dtRank === "auto" ? Math.ceil(dModel / 16) : intField("mamba.dtRank", v.dtRank);
  const dtMin = positiveField("mamba.dtMin", v.dtMin);
  const dtMax = positiveField("mamba.dtMax", v.dtMax);
  if (dtMin > dtMax) throw new ConfigError(`mamba.dtMin (${dtMin}) must not exceed mamba.dtMax (${dtMax})`);
  return Object.freeze({
    dModel,
    nLayer: intField("mamba.nLayer", v.nLayer),
    vocabSize: intField("mamba.vocabSize", v.vocabSize),
    dState: intField("mamba.dState", v.dState),
    expand,
    dConv: intField("mamba.dConv", v.dConv),
    dtRank,
    dInner: expand * dModel,
    convBias: boolField("mamba.convBias", v.convBias),
    projBias: boolField("mamba.projBias", v.projBias),
    rmsNormEps: positiveField("mamba.rmsNormEps", v.rmsNormEps),
    tieEmbeddings: boolField("mamba.tieEmbeddings", v.tieEmbeddings),
    dtMin,
    dtMax,
    dtInitFloor: positiveField("mamba.dtInitFloor", v.dtInitFloor),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

/**
 * Named sizes. The real ones match the published checkpoints (`state-spaces/mamba-*-hf`);
 * `meteor-mamba` is Mamba-130M with its embedding resized to InternLM2's 92,546-row
 * tokenizer, as in Meteor. The small ones are what the playground trains from scratch.
 */
export const MAMBA_PRESETS = {
  "mamba-130m": { dModel: 768, nLayer: 24, vocabSize: 50280 },
  "mamba-370m": { dModel: 1024, nLayer: 48, vocabSize: 50280 },
  "mamba-790m": { dModel: 1536, nLayer: 48, vocabSize: 50280 },
  "mamba-1.4b": { dModel: 2048, nLayer: 48, vocabSize: 50280 },
  "mamba-2.8b": { dModel: 2560, nLayer: 64, vocabSize: 50280 },
  "meteor-mamba": { dModel: 768, nLayer: 24, vocabSize: 92546 },
  tiny: { dModel: 64, nLayer: 2, vocabSize: 512, dState: 8 },
  small: { dModel: 128, nLayer: 4, vocabSize: 1024 },
} as const satisfies Record<string, MambaConfigInput>;

export type MambaPresetName = keyof typeof MAMBA_PRESETS;

export function mambaPreset(name: string): MambaConfig {
  if (!(name in MAMBA_PRESETS)) {
    throw new ConfigError(`unknown Mamba preset "${name}"; known: ${Object.keys(MAMBA_PRESETS).join(", ")}`);
  }
  return resolveMambaConfig(MAMBA_PRESETS[name as MambaPresetName]);
}
