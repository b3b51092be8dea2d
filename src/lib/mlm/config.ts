/**
 * Configuration of the backbone multimodal language model (MLM): an InternLM2-style decoder
 * (RMSNorm, rotary positions, SwiGLU feed-forward, grouped-query causal attention).
 * Mirrors InternLM2's `InternLM2Config` (internlm/internlm2-7b `configuration_internlm2.py`).
 */
import { ConfigError, intField, positiveField, rejectUnknownKeys } from "../config-fields.ts";

export interface MlmConfigInput {
  /** Residual width (InternLM2 `hidden_size`). InternLM2-7B: 4096. */
  dModel: number;
  /** Decoder layers. InternLM2-7B: 32. */
  nLayer: number;
  /** Query heads. InternLM2-7B: 32. */
  nHead: number;
  /** Key/value heads (grouped-query attention); must divide nHead. InternLM2-7B: 8. */
  nKvHead: number;
  /** SwiGLU hidden width (`intermediate_size`). InternLM2-7B: 14336. */
  ffnDim: number;
  /** Rows of the input embedding (tokenizer size incl. `<image>` and `<tor>`). Meteor: 92546. */
  vocabSize: number;
  /**
   * Rows of the output head: the first `outputVocab` token ids are the only ones it can emit.
   * Meteor: vocabSize − 2, so `<image>` and `<tor>` (the last two ids) are never produced.
   * Default: vocabSize.
   */
  outputVocab?: number;
  /** Rotary base. InternLM2-7B: 1,000,000. Default 10,000. */
  ropeTheta?: number;
  /** RMSNorm epsilon. Default 1e-5. */
  rmsNormEps?: number;
}

export interface MlmConfig {
  readonly dModel: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nKvHead: number;
  /** dModel / nHead. InternLM2-7B: 128. */
  readonly headDim: number;
  readonly ffnDim: number;
  readonly vocabSize: number;
  readonly outputVocab: number;
  readonly ropeTheta: number;
  readonly rmsNormEps: number;
}

const KNOWN = new Set(["dModel", "nLayer", "nHead", "nKvHead", "ffnDim", "vocabSize", "outputVocab", "ropeTheta", "rmsNormEps"]);

export function resolveMlmConfig(input: MlmConfigInput): MlmConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("MLM config must be an object");
  rejectUnknownKeys("MLM", input, KNOWN);
  const dModel = intField("mlm.dModel", input.dModel);
  const nHead = intField("mlm.nHead", input.nHead);
  const nKvHead = intField("mlm.nKvHead", input.nKvHead);
  if (dModel % nHead !== 0) throw new ConfigError(`mlm.dModel (${dModel}) must be divisible by mlm.nHead (${nHead})`);
  if (nHead % nKvHead !== 0) throw new ConfigError(`mlm.nHead (${nHead}) must be divisible by mlm.nKvHead (${nKvHead})`);
  const headDim = dModel / nHead;
  if (headDim % 2 !== 0) throw new ConfigError(`mlm head size dModel/nHead = ${headDim} must be even for rotary positions`);
  const vocabSize = intField("mlm.vocabSize", input.vocabSize);
  const outputVocab = input.outputVocab === undefined ? vocabSize : intField("mlm.outputVocab", input.outputVocab);
  if (outputVocab > vocabSize) throw new ConfigError(`mlm.outputVocab (${outputVocab}) exceeds mlm.vocabSize (${vocabSize})`);
  return Object.freeze({
    dModel,
    nLayer: intField("mlm.nLayer", input.nLayer),
    nHead,
    nKvHead,
    headDim,
    ffnDim: intField("mlm.ffnDim", input.ffnDim),
    vocabSize,
    outputVocab,
    ropeTheta: positiveField("mlm.ropeTheta", input.ropeTheta ?? 10_000),
    rmsNormEps: positiveField("mlm.rmsNormEps", input.rmsNormEps ?? 1e-5),
  });
}

/** InternLM2-7B with Meteor's two added tokens (`<image>`, `<tor>`): 92,546-row embedding, 92,544-row head. */
export const INTERNLM2_7B: MlmConfigInput = {
  dModel: 4096,
  nLayer: 32,
  nHead: 32,
  nKvHead: 8,
  ffnDim: 14336,
  vocabSize: 92546,
  outputVocab: 92544,
  ropeTheta: 1_000_000,
};
