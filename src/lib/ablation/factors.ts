/**
 * The paper's Table 3 as runnable factors: each variant is a set of run-config fields that
 * replace the full model's. Every factor contains the full model itself, so with matching
 * seeds one cell serves as the baseline of all six.
 *
 * The full model (`FULL_MODEL`) is the paper's: Mamba embedder, ten evenly placed `<tor>`,
 * Mamba and rationales, and 90% question–rationale pairs in step 1 (Table 3 marks 90% as
 * Meteor's). Our plain `meteor train` run embeds rationales for every step-1 sample
 * (`rationaleShare` 1): that is the share factor's "100%" variant, which the paper does
 * not report.
 *
 * "Mamba only" (Mamba embeds the answer) is the share factor's 0% (the paper's two rows
 * have the same scores, 74.0 / 45.9): one cell serves both. "Backbone" varies the MLM's
 * size; the paper swaps 7B model families instead (Vicuna, LLaMA2, LLaMA3, InternLM2),
 * which a from-scratch playground cannot — so its ordering is not comparable with ours.
 * The embedder factor has no XLNet (its permutation objective has no counterpart here).
 */
import { ConfigError } from "../config-fields.ts";
import { RUN_PRESETS, type RunConfigInput } from "../train/run-config.ts";

export const FACTOR_NAMES = ["embedder", "backbone", "tor_count", "tor_position", "mamba_x_rationale", "step1_rationale_share", "baselines"] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

/** The run fields a variant may set. */
export type CellOverrides = Pick<RunConfigInput, "system" | "embedder" | "numTor" | "placement" | "rationaleShare" | "model">;

export interface Variant {
  /** Short id, used in cell labels and CSV rows: "gpt", "5", "even", "0.3". */
  id: string;
  /** What the page shows. */
  label: string;
  /** The `variant` of the paper's row it corresponds to (data/paper/ablations-table3.csv), or null when the paper has none. */
  paper: string | null;
  overrides: CellOverrides;
}

export interface Factor {
  name: FactorName;
  title: string;
  variants: readonly Variant[];
  /** Whether the paper's ordering of this factor's variants can be compared with ours. */
  comparable: boolean;
  /** Why not, when not. */
  note?: string;
}

/** Meteor as the paper trains it; every cell is this with one factor changed. */
export const FULL_MODEL: Readonly<Required<Omit<CellOverrides, "model">>> = Object.freeze({
  system: "meteor",
  embedder: "mamba",
  numTor: 10,
  placement: "even",
  rationaleShare: 0.9,
});

/** Backbone sizes per preset: a narrower and shallower MLM, the preset's own, a wider and deeper one. */
const BACKBONES: Record<string, { small: NonNullable<RunConfigInput["model"]>["mlm"]; large: NonNullable<RunConfigInput["model"]>["mlm"] }> = {
  tiny: {
    small: { dModel: 64, nLayer: 1, nHead: 4, nKvHead: 2, ffnDim: 128 },
    large: { dModel: 128, nLayer: 3, nHead: 4, nKvHead: 2, ffnDim: 256 },
  },
  study: {
    small: { dModel: 64, nLayer: 1, nHead: 4, nKvHead: 2, ffnDim: 128 },
    large: { dModel: 128, nLayer: 3, nHead: 4, nKvHead: 2, ffnDim: 256 },
  },
  small: {
    small: { dModel: 96, nLayer: 2, nHead: 4, nKvHead: 2, ffnDim: 256 },
    large: { dModel: 224, nLayer: 6, nHead: 8, nKvHead: 2, ffnDim: 512 },
  },
};

const share = (s: number, paper: string | null): Variant => ({
  id: String(s),
  label: `${Math.round(s * 100)}%`,
  paper,
  overrides: { rationaleShare: s },
});

/**
 * The factors for a preset ("tiny", "small": the backbone sizes are the preset's). A preset
 * that starts from a base checkpoint (study) has no backbone factor: another MLM size needs
 * a base of its own.
 */
export function ablationFactors(preset: string): Factor[] {
  const all = allFactors(preset);
  return RUN_PRESETS[preset]?.base ? all.filter((f) => f.name !== "backbone") : all;
}

function allFactors(preset: string): Factor[] {
  const bb = BACKBONES[preset];
  if (!bb) throw new ConfigError(`no ablation backbone sizes for preset "${preset}"; known: ${Object.keys(BACKBONES).join(", ")}`);
  const mlm = (m: typeof bb.small) => `MLM ${m!.dModel}×${m!.nLayer}`;
  return [
    {
      name: "embedder",
      title: "rationale embedder",
      comparable: true,
      variants: [
        { id: "bert", label: "BERT-like (bidirectional)", paper: "BERT-B (110M; 71 batches/s)", overrides: { embedder: "bert" } },
        { id: "gpt", label: "GPT-2-like (causal)", paper: "GPT2-S (117M; 62 batches/s)", overrides: { embedder: "gpt" } },
        { id: "mamba", label: "Mamba", paper: "Mamba (130M; 118 batches/s)", overrides: {} },
      ],
    },
    {
      name: "backbone",
      title: "backbone MLM size",
      comparable: false,
      note: "the paper swaps 7B model families (Vicuna, LLaMA2, LLaMA3, InternLM2); we vary the size of one family",
      variants: [
        { id: "small", label: `smaller (${mlm(bb.small)})`, paper: null, overrides: { model: { mlm: bb.small } } },
        { id: "preset", label: "the preset's", paper: "InternLM2-7B", overrides: {} },
        { id: "large", label: `larger (${mlm(bb.large)})`, paper: null, overrides: { model: { mlm: bb.large } } },
      ],
    },
    {
      name: "tor_count",
      title: "number of <tor>",
      comparable: true,
      variants: [2, 5, 10, 15].map((n) => ({ id: String(n), label: `${n} <tor>`, paper: String(n), overrides: n === 10 ? {} : { numTor: n } })),
    },
    {
      name: "tor_position",
      title: "<tor> position",
      comparable: true,
      variants: (["start", "end", "random", "even"] as const).map((p) => ({ id: p, label: p, paper: p, overrides: p === "even" ? {} : { placement: p } })),
    },
    {
      name: "mamba_x_rationale",
      title: "Mamba × rationale",
      comparable: true,
      variants: [
        { id: "neither", label: "no Mamba, no rationale (MLM alone)", paper: "no Mamba / no rationale", overrides: { system: "mlm" } },
        { id: "rationale", label: "no Mamba, rationale (MLM writes it)", paper: "no Mamba / rationale (MLM trained on rationales)", overrides: { system: "rationale" } },
        { id: "mamba", label: "Mamba, no rationale (embeds the answer)", paper: "Mamba / no rationale (Mamba embeds the answer)", overrides: { rationaleShare: 0 } },
        { id: "both", label: "Mamba and rationale (Meteor)", paper: "Mamba / rationale", overrides: {} },
      ],
    },
    {
      name: "step1_rationale_share",
      title: "share of question–rationale pairs in step 1",
      comparable: true,
      variants: [share(0, "0%"), share(0.3, "30%"), share(0.6, "60%"), { ...share(0.9, "90%"), overrides: {} }, share(1, null)],
    },
    {
      name: "baselines",
      title: "Meteor against its baselines",
      comparable: false,
      note: "not a Table 3 row: the study's reference points (the MLM alone, and the MLM given the true rationale)",
      variants: [
        { id: "mlm", label: "MLM alone (no <tor> features)", paper: null, overrides: { system: "mlm" } },
        { id: "oracle", label: "MLM with the true rationale in its prompt", paper: null, overrides: { system: "oracle" } },
        { id: "meteor", label: "Meteor", paper: null, overrides: {} },
      ],
    },
  ];
}

export function factorByName(preset: string, name: string): Factor {
  const f = ablationFactors(preset).find((x) => x.name === name);
  if (!f) throw new ConfigError(`unknown ablation factor "${name}"; known: ${FACTOR_NAMES.join(", ")}`);
  return f;
}
