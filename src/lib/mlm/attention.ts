/**
 * Grouped-query causal self-attention with rotary positions and a KV cache, as InternLM2's
 * `InternLM2Attention` (packed `wqkv`, grouped per kv head). Queries of one kv group are
 * stacked along the sequence axis so keys and values are never repeated in memory.
 */
import * as tf from "../tf.ts";
import { causalSoftmax } from "../nn/causal-softmax.ts";
import { linear } from "../nn/linear.ts";
import type { MlmConfig } from "./config.ts";
import { applyRope } from "./rope.ts";

/** Keys and values of the positions seen so far: each [b, nKvHead, t, hd] (post-rotary keys). */
export interface KvEntry {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

export interface AttentionOptions {
  /** Keys/values of earlier positions; the new ones are appended. */
  cache?: KvEntry;
  /** Return the extended cache. */
  returnCache?: boolean;
  /** Rotary tables for the new positions (offset by the cache length): [l, hd] each. */
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /** When given, the attention probabilities [b, nHead, l, t] are pushed here (kept). */
  attentionOut?: tf.Tensor4D[];
}

export { causalMask } from "../nn/causal-softmax.ts";

/** x: [b, l, d] (normed) → { out: [b, l, d], cache? } */
export function attentionForward(
  params: Readonly<Record<string, tf.Tensor>>,
  prefix: string,
  cfg: MlmConfig,
  x: tf.Tensor3D,
  opts: AttentionOptions,
): { out: tf.Tensor3D; cache?: KvEntry } {
  const { nHead, nKvHead, headDim: hd } = cfg;
  const g = nHead / nKvHead;
  const [b, l] = x.shape;
  let cache: KvEntry | undefined;
  const out = tf.tidy(() => {
    const qkv = linear(x, params[`${prefix}.wqkv.weight`]!).reshape([b, l, nKvHead, (g + 2) * hd]); // [b, l, kv, (g+2)·hd]
    // a 4-D split, not 5-D slices: wasm's slice of rank 5 is two orders of magnitude slower
    const [qPart, kPart, vPart] = tf.split(qkv, [g * hd, hd, hd], 3); // [b, l, kv, g·hd], [b, l, kv, hd] ×2
    const q = qPart!.reshape([b, l, nHead, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [b, h, l, hd]
    const kNew = kPart!.transpose([0, 2, 1, 3]) as tf.Tensor4D; // [b, kv, l, hd]
    const vNew = vPart!.transpose([0, 2, 1, 3]) as tf.Tensor4D; // [b, kv, l, hd]
    const qr = applyRope(q, opts.cos, opts.sin); // [b, h, l, hd]
    const kr = applyRope(kNew, opts.cos, opts.sin); // [b, kv, l, hd]
    const k = opts.cache ? (tf.concat([opts.cache.k, kr], 2) as tf.Tensor4D) : kr; // [b, kv, t, hd]
    const v = opts.cache ? (tf.concat([opts.cache.v, vNew], 2) as tf.Tensor4D) : vNew; // [b, kv, t, hd]
    const t = k.shape[2];
    if (opts.returnCache) cache = { k: tf.keep(k), v: tf.keep(v) };

    const qg = qr.reshape([b * nKvHead, g * l, hd]); // [b·kv, g·l, hd] (heads kv·g + j)
    const scores = tf.matMul(qg, k.reshape([b * nKvHead, t, hd]), false, true).reshape([b * nKvHead, g, l, t]); // [b·kv, g, l, t]
    const probs = causalSoftmax(scores, 1 / Math.sqrt(hd), t - l); // [b·kv, g, l, t]
    if (opts.attentionOut) opts.attentionOut.push(tf.keep(probs.reshape([b, nHead, l, t]) as tf.Tensor4D));
    const ctx = tf
      .matMul(probs.reshape([b * nKvHead, g * l, t]), v.reshape([b * nKvHead, t, hd])) // [b·kv, g·l, hd]
      .reshape([b, nHead, l, hd])
      .transpose([0, 2, 1, 3])
      .reshape([b, l, nHead * hd]); // [b, l, d]
    return linear(ctx, params[`${prefix}.wo.weight`]!) as tf.Tensor3D; // [b, l, d]
  });
  return cache ? { out, cache } : { out };
}
