/**
 * The backbone MLM: an InternLM2-style decoder (`InternLM2ForCausalLM`).
 *   h = x + attention(rmsNorm(x));  h = h + w2(silu(w1 n) ⊙ w3 n), n = rmsNorm(h)
 * Inputs are embeddings, so Meteor can overwrite the `<image>` and `<tor>` rows before the
 * decoder runs. The head has `outputVocab` rows: ids ≥ outputVocab (`<image>`, `<tor>`)
 * can never be produced.
 */
import * as tf from "../tf.ts";
import { swiGlu } from "../nn/activations.ts";
import { linear } from "../nn/linear.ts";
import { rmsNorm } from "../nn/rmsnorm.ts";
import { checkTokenIds } from "../mamba/model.ts";
import { attentionForward, type KvEntry } from "./attention.ts";
import type { MlmConfig } from "./config.ts";
import { mlmLayerPrefix, type MlmParams } from "./params.ts";
import { ropeTables } from "./rope.ts";

/** Per-layer keys and values of everything seen so far. */
export type KvCache = readonly KvEntry[];

export interface MlmForwardOptions {
  cache?: KvCache;
  returnCache?: boolean;
  /** Collect attention probabilities per layer, each [b, nHead, l, t] (caller disposes). */
  attentionOut?: tf.Tensor4D[];
}

/** ids: [b, l] → [b, l, d] */
export function mlmEmbed(params: MlmParams, cfg: MlmConfig, ids: tf.Tensor2D): tf.Tensor3D {
  checkTokenIds(ids, cfg.vocabSize);
  return tf.gather(params["model.tok_embeddings.weight"]!, ids) as tf.Tensor3D; // [b, l, d]
}

/** SwiGLU feed-forward. x: [b, l, d] → [b, l, d] */
function feedForward(params: MlmParams, prefix: string, x: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const gate = linear(x, params[`${prefix}.w1.weight`]!); // [b, l, f]
    const up = linear(x, params[`${prefix}.w3.weight`]!); // [b, l, f]
    return linear(swiGlu(gate, up), params[`${prefix}.w2.weight`]!) as tf.Tensor3D; // [b, l, d]
  });
}

/** x: [b, l, d] embeddings → final-normed hidden [b, l, d] (and the extended cache). */
export function mlmBackbone(
  params: MlmParams,
  cfg: MlmConfig,
  x: tf.Tensor3D,
  opts: MlmForwardOptions = {},
): { hidden: tf.Tensor3D; cache?: KvCache } {
  const past = opts.cache?.[0]?.k.shape[2] ?? 0;
  const l = x.shape[1];
  const entries: KvEntry[] = [];
  const hidden = tf.tidy(() => {
    const { cos, sin } = ropeTables(l, cfg.headDim, cfg.ropeTheta, past); // [l, hd]
    let h: tf.Tensor3D = x;
    for (let i = 0; i < cfg.nLayer; i++) {
      const p = mlmLayerPrefix(i);
      const normed = rmsNorm(h, params[`${p}.attention_norm.weight`]!, cfg.rmsNormEps) as tf.Tensor3D; // [b, l, d]
      const { out, cache } = attentionForward(params, `${p}.attention`, cfg, normed, {
        ...(opts.cache ? { cache: opts.cache[i]! } : {}),
        returnCache: opts.returnCache ?? false,
        cos,
        sin,
        ...(opts.attentionOut ? { attentionOut: opts.attentionOut } : {}),
      });
      if (cache) entries.push(cache);
      h = h.add(out); // [b, l, d]
      const n2 = rmsNorm(h, params[`${p}.ffn_norm.weight`]!, cfg.rmsNormEps) as tf.Tensor3D;
      h = h.add(feedForward(params, `${p}.feed_forward`, n2)); // [b, l, d]
    }
    return rmsNorm(h, params["model.norm.weight"]!, cfg.rmsNormEps) as tf.Tensor3D; // [b, l, d]
  });
  return opts.returnCache ? { hidden, cache: entries } : { hidden };
}

/** hidden: [b, l, d] → logits [b, l, outputVocab] */
export function mlmHead(params: MlmParams, hidden: tf.Tensor3D): tf.Tensor3D {
  return linear(hidden, params["output.weight"]!) as tf.Tensor3D;
}

export function disposeKvCache(cache: KvCache): void {
  for (const e of cache) tf.dispose([e.k, e.v]);
}
