/**
 * The vision encoder forward (CLIP `CLIPVisionTransformer`): patchify → linear patch
 * embedding (the stride-p conv as a matmul) → [CLS ‖ patches] + positions → pre-LayerNorm →
 * pre-norm transformer blocks → last layer's patch tokens (CLS dropped, no post-norm:
 * Meteor, like LLaVA, takes hidden states, not the pooled output).
 * Divergence: Meteor interpolates CLIP's 24×24 positions to 35×35 for 490-px images; the
 * playground trains at its own size, so positions are used as learned.
 */
import * as tf from "../tf.ts";
import { quickGelu } from "../nn/activations.ts";
import { layerNorm } from "../nn/layernorm.ts";
import { linear } from "../nn/linear.ts";
import type { VisionConfig } from "./config.ts";
import { visionLayerPrefix, type VisionParams } from "./params.ts";

export class ImageShapeError extends Error {
  override name = "ImageShapeError";
}

/**
 * images: [b, H, W, c] in [0, 1] → patch features [b, numPatches, dModel]. Pixels are first
 * normalised per channel, (x − pixelMean) / pixelStd, as CLIP's processor does.
 */
export function visionEncode(params: VisionParams, cfg: VisionConfig, images: tf.Tensor4D): tf.Tensor3D {
  const [b, H, W, c] = images.shape;
  if (H !== cfg.imageSize || W !== cfg.imageSize || c !== cfg.channels) {
    throw new ImageShapeError(
      `vision encoder expects images [b, ${cfg.imageSize}, ${cfg.imageSize}, ${cfg.channels}], got [${images.shape.join(", ")}]`,
    );
  }
  const P = cfg.patchSize;
  const g = cfg.imageSize / P;
  const d = cfg.dModel;
  const w = (n: string) => params[n]!;
  return tf.tidy(() => {
    const normalised = images.sub(tf.tensor1d(cfg.pixelMean as number[])).div(tf.tensor1d(cfg.pixelStd as number[])); // [b, H, W, c]
    const patches = normalised
      .reshape([b, g, P, g, P, c])
      .transpose([0, 1, 3, 5, 2, 4]) // [b, g, g, c, P, P]: conv weight order (c, kh, kw)
      .reshape([b, g * g, c * P * P]); // [b, np, c·P·P]
    const emb = linear(patches, w("vision_model.embeddings.patch_embedding.weight").reshape([d, c * P * P])); // [b, np, d]
    const cls = w("vision_model.embeddings.class_embedding").reshape([1, 1, d]).tile([b, 1, 1]); // [b, 1, d]
    let x = tf.concat([cls, emb], 1).add(w("vision_model.embeddings.position_embedding.weight")); // [b, np+1, d]
    x = layerNorm(x, w("vision_model.pre_layrnorm.weight"), w("vision_model.pre_layrnorm.bias"), cfg.layerNormEps);
    for (let i = 0; i < cfg.nLayer; i++) x = visionBlock(params, visionLayerPrefix(i), cfg, x as tf.Tensor3D);
    return x.slice([0, 1, 0], [b, g * g, d]) as tf.Tensor3D; // [b, np, d]
  });
}

/** One pre-norm block: x + attn(ln1(x)); x + mlp(ln2(x)). x: [b, t, d] → [b, t, d] */
function visionBlock(params: VisionParams, pre: string, cfg: VisionConfig, x: tf.Tensor3D): tf.Tensor3D {
  const w = (n: string) => params[`${pre}.${n}`]!;
  const [b, t, d] = x.shape;
  const h = cfg.nHead;
  const hd = d / h;
  const heads = (y: tf.Tensor) => y.reshape([b, t, h, hd]).transpose([0, 2, 1, 3]); // [b, h, t, hd]
  const n1 = layerNorm(x, w("layer_norm1.weight"), w("layer_norm1.bias"), cfg.layerNormEps);
  const q = heads(linear(n1, w("self_attn.q_proj.weight"), w("self_attn.q_proj.bias")));
  const k = heads(linear(n1, w("self_attn.k_proj.weight"), w("self_attn.k_proj.bias")));
  const v = heads(linear(n1, w("self_attn.v_proj.weight"), w("self_attn.v_proj.bias")));
  const probs = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(hd)), -1); // [b, h, t, t]
  const ctx = tf.matMul(probs, v).transpose([0, 2, 1, 3]).reshape([b, t, d]); // [b, t, d]
  const x1 = x.add(linear(ctx, w("self_attn.out_proj.weight"), w("self_attn.out_proj.bias"))); // [b, t, d]
  const n2 = layerNorm(x1, w("layer_norm2.weight"), w("layer_norm2.bias"), cfg.layerNormEps);
  const mlp = linear(quickGelu(linear(n2, w("mlp.fc1.weight"), w("mlp.fc1.bias"))), w("mlp.fc2.weight"), w("mlp.fc2.bias"));
  return x1.add(mlp) as tf.Tensor3D; // [b, t, d]
}
