/**
 * Vision encoder parameters by CLIP's own names (`vision_model.*`) and PyTorch layouts, so
 * a CLIP vision tower's safetensors map onto them.
 */
import { countParams } from "../nn/shapes.ts";
import type * as tf from "../tf.ts";
import { linearWeight, mulberry32, normalValues, onesVariable, variableFrom, zerosVariable } from "../nn/init.ts";
import type { VisionConfig } from "./config.ts";

export type VisionParams = Readonly<Record<string, tf.Tensor>>;

export const visionLayerPrefix = (i: number): string => `vision_model.encoder.layers.${i}`;

export function visionParamShapes(cfg: VisionConfig): Map<string, number[]> {
  const { dModel: d, mlpDim: f, patchSize: p, channels: c } = cfg;
  const m = new Map<string, number[]>();
  m.set("vision_model.embeddings.class_embedding", [d]);
  m.set("vision_model.embeddings.patch_embedding.weight", [d, c, p, p]);
  m.set("vision_model.embeddings.position_embedding.weight", [cfg.numPatches + 1, d]);
  m.set("vision_model.pre_layrnorm.weight", [d]);
  m.set("vision_model.pre_layrnorm.bias", [d]);
  for (let i = 0; i < cfg.nLayer; i++) {
    const pre = visionLayerPrefix(i);
    for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      m.set(`${pre}.self_attn.${proj}.weight`, [d, d]);
      m.set(`${pre}.self_attn.${proj}.bias`, [d]);
    }
    m.set(`${pre}.layer_norm1.weight`, [d]);
    m.set(`${pre}.layer_norm1.bias`, [d]);
    m.set(`${pre}.mlp.fc1.weight`, [f, d]);
    m.set(`${pre}.mlp.fc1.bias`, [f]);
    m.set(`${pre}.mlp.fc2.weight`, [d, f]);
    m.set(`${pre}.mlp.fc2.bias`, [d]);
    m.set(`${pre}.layer_norm2.weight`, [d]);
    m.set(`${pre}.layer_norm2.bias`, [d]);
  }
  m.set("vision_model.post_layernorm.weight", [d]);
  m.set("vision_model.post_layernorm.bias", [d]);
  return m;
}

export const countVisionParams = (cfg: VisionConfig): number => countParams(visionParamShapes(cfg));

export function initVisionParams(cfg: VisionConfig, seed = 0): Record<string, tf.Variable> {
  const rand = mulberry32(seed);
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of visionParamShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith(".bias")) out[name] = zerosVariable(shape);
    else if (name.includes("norm") && name.endsWith(".weight")) out[name] = onesVariable(size);
    else if (name.includes("embedding")) {
      const fanIn = name.includes("patch") ? shape[1]! * shape[2]! * shape[3]! : cfg.dModel;
      out[name] = variableFrom(normalValues(rand, size, name.includes("patch") ? 1 / Math.sqrt(fanIn) : 0.02), shape);
    } else out[name] = linearWeight(rand, shape[0]!, shape[1]!);
  }
  return out;
}
