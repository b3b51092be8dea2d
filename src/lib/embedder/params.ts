/**
 * Parameters of the Transformer rationale embedder (GPT-2-like or BERT-like, see
 * `config.ts`), PyTorch layouts (Linear weights [out, in]). Names, under Meteor's
 * `embedder.` prefix:
 *   embeddings.weight [v, d]
 *   layers.{i}.ln_1.weight / .bias [d]
 *   layers.{i}.attn.qkv.weight [3d, d], .bias [3d]       rows: q, then k, then v
 *   layers.{i}.attn.out.weight [d, d], .bias [d]
 *   layers.{i}.ln_2.weight / .bias [d]
 *   layers.{i}.mlp.fc.weight [f, d], .bias [f]
 *   layers.{i}.mlp.proj.weight [d, f], .bias [d]
 *   norm_f.weight / .bias [d]
 * Initialisation as GPT-2's: N(0, 0.02) embedding, PyTorch-default linears with the
 * residual outputs (attn.out, mlp.proj) scaled by 1/sqrt(2·nLayer), zero biases, unit norms.
 */
import { countParams } from "../nn/shapes.ts";
import type * as tf from "../tf.ts";
import { linearWeight, mulberry32, normalValues, onesVariable, variableFrom, zerosVariable } from "../nn/init.ts";
import type { TransformerEmbedderConfig } from "./config.ts";

export type TransformerEmbedderParams = Readonly<Record<string, tf.Tensor>>;

export const embedderLayerPrefix = (i: number): string => `layers.${i}`;

export function transformerEmbedderShapes(cfg: TransformerEmbedderConfig): Map<string, number[]> {
  const { dModel: d, mlpDim: f } = cfg;
  const m = new Map<string, number[]>();
  m.set("embeddings.weight", [cfg.vocabSize, d]);
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = embedderLayerPrefix(i);
    m.set(`${p}.ln_1.weight`, [d]);
    m.set(`${p}.ln_1.bias`, [d]);
    m.set(`${p}.attn.qkv.weight`, [3 * d, d]);
    m.set(`${p}.attn.qkv.bias`, [3 * d]);
    m.set(`${p}.attn.out.weight`, [d, d]);
    m.set(`${p}.attn.out.bias`, [d]);
    m.set(`${p}.ln_2.weight`, [d]);
    m.set(`${p}.ln_2.bias`, [d]);
    m.set(`${p}.mlp.fc.weight`, [f, d]);
    m.set(`${p}.mlp.fc.bias`, [f]);
    m.set(`${p}.mlp.proj.weight`, [d, f]);
    m.set(`${p}.mlp.proj.bias`, [d]);
  }
  m.set("norm_f.weight", [d]);
  m.set("norm_f.bias", [d]);
  return m;
}

export const countTransformerEmbedderParams = (cfg: TransformerEmbedderConfig): number => countParams(transformerEmbedderShapes(cfg));

export function initTransformerEmbedderParams(cfg: TransformerEmbedderConfig, seed = 0): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  const residualScale = 1 / Math.sqrt(2 * cfg.nLayer);
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of transformerEmbedderShapes(cfg)) {
    if (name === "embeddings.weight") out[name] = variableFrom(normalValues(rand, shape[0]! * shape[1]!, 0.02), shape);
    else if (name.endsWith(".bias")) out[name] = zerosVariable(shape);
    else if (shape.length === 1) out[name] = onesVariable(shape[0]!);
    else {
      const residual = name.endsWith("attn.out.weight") || name.endsWith("mlp.proj.weight");
      out[name] = linearWeight(rand, shape[0]!, shape[1]!, residual ? residualScale : 1);
    }
  }
  return out;
}
