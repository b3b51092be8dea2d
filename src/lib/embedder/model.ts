/**
 * The Transformer rationale embedder's forward (GPT-2's block: x + attn(ln_1 x); x + mlp(ln_2 x);
 * final LayerNorm), with the contract of Meteor-Mamba's: input embeddings in (Meteor splices
 * image features into them), final-normed hidden states out, right-padded rows by `lengths`.
 *
 *   x = x + sinusoid(positions)                                [b, l, d]
 *   mask: causal (gpt) — position t sees s ≤ t;
 *         bidirectional (bert) — every valid position sees every valid position (padding
 *         keys masked by `lengths`)
 */
import * as tf from "../tf.ts";
import { gelu } from "../nn/activations.ts";
import { layerNorm } from "../nn/layernorm.ts";
import { linear } from "../nn/linear.ts";
import { checkTokenIds } from "../mamba/model.ts";
import type { TransformerEmbedderConfig } from "./config.ts";
import { embedderLayerPrefix, type TransformerEmbedderParams } from "./params.ts";

/** ids: [b, l] → [b, l, d] */
export function transformerEmbedTokens(params: TransformerEmbedderParams, cfg: TransformerEmbedderConfig, ids: tf.Tensor2D): tf.Tensor3D {
  checkTokenIds(ids, cfg.vocabSize);
  return tf.gather(params["embeddings.weight"]!, ids) as tf.Tensor3D; // [b, l, d]
}

/** The original Transformer's fixed positions: sin on even, cos on odd channels. → [l, d] */
export function sinusoidPositions(l: number, d: number): tf.Tensor2D {
  const v = new Float32Array(l * d);
  for (let t = 0; t < l; t++) {
    for (let i = 0; i < d; i += 2) {
      const angle = t / 10000 ** (i / d);
      v[t * d + i] = Math.sin(angle);
      if (i + 1 < d) v[t * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(v, [l, d]);
}

/** Additive attention mask [b, 1, l, l]: −1e9 where query i may not see key j. */
export function embedderMask(cfg: TransformerEmbedderConfig, b: number, l: number, lengths?: Int32Array): tf.Tensor4D {
  const m = new Float32Array(b * l * l);
  for (let r = 0; r < b; r++) {
    const n = lengths ? lengths[r]! : l;
    for (let i = 0; i < l; i++) {
      for (let j = 0; j < l; j++) {
        const blocked = (cfg.causal && j > i) || (!cfg.causal && j >= n && i < n);
        if (blocked) m[(r * l + i) * l + j] = -1e9;
      }
    }
  }
  return tf.tensor4d(m, [b, 1, l, l]);
}

/** One pre-norm block. x: [b, l, d] → [b, l, d] */
function block(params: TransformerEmbedderParams, p: string, cfg: TransformerEmbedderConfig, x: tf.Tensor3D, mask: tf.Tensor4D): tf.Tensor3D {
  const w = (n: string) => params[`${p}.${n}`]!;
  const [b, l, d] = x.shape;
  const { nHead: h, headDim: hd } = cfg;
  return tf.tidy(() => {
    const n1 = layerNorm(x, w("ln_1.weight"), w("ln_1.bias"), cfg.layerNormEps); // [b, l, d]
    const qkv = linear(n1, w("attn.qkv.weight"), w("attn.qkv.bias")); // [b, l, 3d]
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => t.reshape([b, l, h, hd]).transpose([0, 2, 1, 3])); // [b, h, l, hd] ×3
    const scores = tf.matMul(q!, k!, false, true).mul(1 / Math.sqrt(hd)).add(mask); // [b, h, l, l]
    const ctx = tf.matMul(tf.softmax(scores, -1), v!).transpose([0, 2, 1, 3]).reshape([b, l, d]); // [b, l, d]
    const x1 = x.add(linear(ctx, w("attn.out.weight"), w("attn.out.bias"))); // [b, l, d]
    const n2 = layerNorm(x1, w("ln_2.weight"), w("ln_2.bias"), cfg.layerNormEps); // [b, l, d]
    const mlp = linear(gelu(linear(n2, w("mlp.fc.weight"), w("mlp.fc.bias"))), w("mlp.proj.weight"), w("mlp.proj.bias")); // [b, l, d]
    return x1.add(mlp) as tf.Tensor3D; // [b, l, d]
  });
}

/**
 * Input embeddings → final-normed hidden states. x: [b, l, d] → [b, l, d].
 * `lengths` [b] are the valid lengths of right-padded rows (bert masks the padding keys;
 * gpt's causal mask already keeps padding out of every valid position).
 */
export function transformerEmbedderHidden(
  params: TransformerEmbedderParams,
  cfg: TransformerEmbedderConfig,
  x: tf.Tensor3D,
  opts: { lengths?: Int32Array } = {},
): tf.Tensor3D {
  const [b, l, d] = x.shape;
  return tf.tidy(() => {
    const mask = embedderMask(cfg, b, l, opts.lengths); // [b, 1, l, l]
    let h = x.add(sinusoidPositions(l, d)) as tf.Tensor3D; // [b, l, d]
    for (let i = 0; i < cfg.nLayer; i++) h = block(params, embedderLayerPrefix(i), cfg, h, mask);
    return layerNorm(h, params["norm_f.weight"]!, params["norm_f.bias"]!, cfg.layerNormEps) as tf.Tensor3D; // [b, l, d]
  });
}
