/**
 * The rationale embedder of Meteor's step 1, as a choice (paper Table 3, "rationale
 * embedder"): Meteor-Mamba, or a Transformer of matched parameter count in its place —
 * causal like GPT-2 ("gpt") or bidirectional like BERT ("bert"). The paper compares
 * BERT-B (110M), GPT2-S (117M) and XLNet-B against Mamba-130M; XLNet's permutation
 * objective has no counterpart here and is left out.
 *
 * The Transformer is sized from the Mamba config it replaces, so a preset needs no new
 * fields: the same width (`dModel`, so the vision and tor projectors are unchanged) and
 * depth (`nLayer`), and an MLP width chosen so the whole embedder (token embedding,
 * layers, final norm) has the Mamba's parameter count to within one MLP unit per layer.
 * Divergences from GPT-2 and BERT, stated: both use one pre-LayerNorm block (GPT-2's;
 * BERT is post-LayerNorm with an embedding LayerNorm) so the two differ only in the
 * attention mask, which is what the ablation is about; positions are fixed sinusoids (the
 * original Transformer's) rather than learned, so no parameter budget goes to a position
 * table and no maximum length is imposed.
 */
import { ConfigError, showValue } from "../config-fields.ts";
import { countMambaParams } from "../mamba/params.ts";
import type { MambaConfig } from "../mamba/config.ts";

/** Which network embeds the rationale in the `<tor>` states. */
export type EmbedderKind = "mamba" | "gpt" | "bert";
export const EMBEDDER_KINDS: readonly EmbedderKind[] = ["mamba", "gpt", "bert"];

export interface TransformerEmbedderConfig {
  /** "gpt": causal self-attention; "bert": bidirectional. */
  readonly kind: "gpt" | "bert";
  /** Whether position t attends only to positions ≤ t (true for "gpt"). */
  readonly causal: boolean;
  /** Residual width, the replaced Mamba's dModel. Meteor-7B: 768. */
  readonly dModel: number;
  /** Blocks, the replaced Mamba's nLayer. Meteor-7B: 24. */
  readonly nLayer: number;
  /** Attention heads: dModel / 64 (GPT-2's and BERT's head size) when dModel ≥ 256, else 4. Meteor-7B: 12. */
  readonly nHead: number;
  /** dModel / nHead. */
  readonly headDim: number;
  /** GELU MLP hidden width, chosen to match the Mamba's parameter count. tiny: 98. */
  readonly mlpDim: number;
  /** Token embedding rows (the tokenizer's). */
  readonly vocabSize: number;
  /** LayerNorm epsilon (GPT-2's 1e-5). */
  readonly layerNormEps: number;
}

export function checkEmbedderKind(v: unknown, path = "embedder"): EmbedderKind {
  if (!EMBEDDER_KINDS.includes(v as EmbedderKind)) throw new ConfigError(`${path} must be ${EMBEDDER_KINDS.join(", ")}, got ${showValue(v)}`);
  return v as EmbedderKind;
}

/** Parameters of a block (attention 4d² + 4d, MLP 2df + f + d, two LayerNorms 4d) for MLP width f. */
export const transformerLayerParams = (d: number, f: number): number => 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d;

/** Embedding + layers + final LayerNorm. */
export const transformerEmbedderParams = (cfg: Pick<TransformerEmbedderConfig, "dModel" | "nLayer" | "mlpDim" | "vocabSize">): number =>
  cfg.vocabSize * cfg.dModel + cfg.nLayer * transformerLayerParams(cfg.dModel, cfg.mlpDim) + 2 * cfg.dModel;

/** The Transformer that stands in for `mamba` with (about) its parameter count. */
export function matchedTransformerConfig(kind: "gpt" | "bert", mamba: MambaConfig): TransformerEmbedderConfig {
  const d = mamba.dModel;
  const nHead = d >= 256 && d % 64 === 0 ? d / 64 : d % 4 === 0 ? 4 : 1;
  const target = countMambaParams(mamba);
  const fixed = mamba.vocabSize * d + mamba.nLayer * transformerLayerParams(d, 0) + 2 * d;
  const mlpDim = Math.round((target - fixed) / mamba.nLayer / (2 * d + 1));
  if (mlpDim < 1) {
    throw new ConfigError(`a ${kind} embedder cannot match this Mamba's ${target} parameters: its attention alone has more (dModel ${d}, nLayer ${mamba.nLayer})`);
  }
  return Object.freeze({
    kind,
    causal: kind === "gpt",
    dModel: d,
    nLayer: mamba.nLayer,
    nHead,
    headDim: d / nHead,
    mlpDim,
    vocabSize: mamba.vocabSize,
    layerNormEps: 1e-5,
  });
}
