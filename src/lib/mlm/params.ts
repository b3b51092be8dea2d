/**
 * MLM parameters by InternLM2's own tensor names and PyTorch layouts, so that InternLM2
 * checkpoints map onto them one to one:
 *   model.tok_embeddings.weight [v, d]
 *   model.layers.{i}.attention_norm.weight [d]
 *   model.layers.{i}.attention.wqkv.weight [(nKv·(g+2))·hd, d]   g = nHead/nKv; rows grouped per
 *       kv head as (q_0 … q_{g−1}, k, v), as InternLM2's `rearrange(..., "b q (h gs d)")` reads them
 *   model.layers.{i}.attention.wo.weight [d, d]
 *   model.layers.{i}.ffn_norm.weight [d]
 *   model.layers.{i}.feed_forward.w1/w3.weight [f, d], w2.weight [d, f]   (SwiGLU: w2(silu(w1 x) ⊙ w3 x))
 *   model.norm.weight [d]
 *   output.weight [outputVocab, d]
 */
import { countParams } from "../nn/shapes.ts";
import type * as tf from "../tf.ts";
import { linearWeight, mulberry32, normalValues, onesVariable, variableFrom } from "../nn/init.ts";
import type { MlmConfig } from "./config.ts";

export type MlmParams = Readonly<Record<string, tf.Tensor>>;

export const mlmLayerPrefix = (i: number): string => `model.layers.${i}`;

export function mlmParamShapes(cfg: MlmConfig): Map<string, number[]> {
  const { dModel: d, ffnDim: f, headDim: hd, nHead, nKvHead } = cfg;
  const qkvRows = (nHead + 2 * nKvHead) * hd;
  const m = new Map<string, number[]>();
  m.set("model.tok_embeddings.weight", [cfg.vocabSize, d]);
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = mlmLayerPrefix(i);
    m.set(`${p}.attention_norm.weight`, [d]);
    m.set(`${p}.attention.wqkv.weight`, [qkvRows, d]);
    m.set(`${p}.attention.wo.weight`, [d, nHead * hd]);
    m.set(`${p}.ffn_norm.weight`, [d]);
    m.set(`${p}.feed_forward.w1.weight`, [f, d]);
    m.set(`${p}.feed_forward.w3.weight`, [f, d]);
    m.set(`${p}.feed_forward.w2.weight`, [d, f]);
  }
  m.set("model.norm.weight", [d]);
  m.set("output.weight", [cfg.outputVocab, d]);
  return m;
}

export const countMlmParams = (cfg: MlmConfig): number => countParams(mlmParamShapes(cfg));

/** Fresh trainable parameters, deterministic from `seed` (embeddings N(0, 0.02), linears PyTorch-default, residual outputs scaled by 1/sqrt(2·nLayer) as GPT-2 does). */
export function initMlmParams(cfg: MlmConfig, seed = 0): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  const out: Record<string, tf.Variable> = {};
  const residualScale = 1 / Math.sqrt(2 * cfg.nLayer);
  for (const [name, shape] of mlmParamShapes(cfg)) {
    if (shape.length === 1) out[name] = onesVariable(shape[0]!);
    else if (name === "model.tok_embeddings.weight") out[name] = variableFrom(normalValues(rand, shape[0]! * shape[1]!, 0.02), shape);
    else {
      const residual = name.endsWith("wo.weight") || name.endsWith("w2.weight");
      out[name] = linearWeight(rand, shape[0]!, shape[1]!, residual ? residualScale : 1);
    }
  }
  return out;
}
