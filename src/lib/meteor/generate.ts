/**
 * Answer generation for one sample: the Mamba runs once over image + question + bare
 * `<tor>`s, the MLM reads its prompt once (filling the KV cache), then decodes token by
 * token from the cache — greedily, or by beam search (the paper: beams = 3). Stops at
 * `<|im_end|>` or `maxTokens`. Async: each decoding step reads the top choices back with
 * `await data()`, which every backend (webgpu included) supports.
 */
import * as tf from "../tf.ts";
import { mlmBackbone, mlmEmbed, mlmHead, disposeKvCache, type KvCache } from "../mlm/model.ts";
import { buildBatch, type BatchItem, type TokenizerLike } from "./batch.ts";
import type { MeteorConfig } from "./config.ts";
import { encodeImages, mlmInputEmbeddings, torFeatures, type MeteorParams } from "./model.ts";
import { IM_END, type MlmPromptKind } from "./prompts.ts";

export interface GenerateOptions {
  system: MlmPromptKind;
  /** 1 = greedy. */
  beams?: number;
  maxTokens?: number;
}

export interface Generation {
  /** Generated ids, without the end marker. */
  ids: number[];
  /** Sum of log-probabilities of the chosen tokens (end marker included when reached). */
  logProb: number;
  /** Whether `<|im_end|>` was produced. */
  finished: boolean;
}

interface Beam extends Generation {
  cache: KvCache;
  /** Log-probabilities after the last token: [1, outputVocab]. */
  next: tf.Tensor2D;
}

/** Runs the MLM over `x` [1, l, d] after `cache`; returns log-probs of the last position and the extended cache. */
function advance(params: MeteorParams, cfg: MeteorConfig, x: tf.Tensor3D, cache?: KvCache): { next: tf.Tensor2D; cache: KvCache } {
  const { hidden, cache: out } = mlmBackbone(params.mlm, cfg.mlm, x, { ...(cache ? { cache } : {}), returnCache: true });
  const next = tf.tidy(() => {
    const l = hidden.shape[1];
    const last = hidden.slice([0, l - 1, 0], [1, 1, cfg.mlm.dModel]) as tf.Tensor3D; // [1, 1, d]
    return tf.logSoftmax(mlmHead(params.mlm, last).reshape([1, cfg.mlm.outputVocab])) as tf.Tensor2D; // [1, v−2]
  });
  hidden.dispose();
  return { next, cache: out! };
}

export async function generate(
  params: MeteorParams,
  cfg: MeteorConfig,
  tokenizer: TokenizerLike,
  item: BatchItem,
  opts: GenerateOptions,
): Promise<Generation> {
  const beamsWanted = opts.beams ?? 1;
  const maxTokens = opts.maxTokens ?? 16;
  const endId = tokenizer.id(IM_END);
  const batch = buildBatch([item], tokenizer, { system: opts.system, stage: "prompt", numTor: cfg.numTor, numPatches: cfg.vision.numPatches });
  const start = tf.tidy(() => {
    const feats = encodeImages(params, cfg, batch);
    const tor = batch.mlm.torIndex ? torFeatures(params, cfg, batch, feats) : null;
    return mlmInputEmbeddings(params, cfg, batch, feats, tor); // [1, lq, d]
  });
  const first = advance(params, cfg, start);
  start.dispose();
  let beams: Beam[] = [{ ids: [], logProb: 0, finished: false, ...first }];
  const done: Generation[] = [];
  try {
    for (let step = 0; step < maxTokens && beams.length > 0; step++) {
      // every (beam, token) candidate among each beam's top choices
      const candidates: { beam: Beam; token: number; logProb: number }[] = [];
      for (const beam of beams) {
        const { values, indices } = tf.topk(beam.next, beamsWanted);
        const [lp, ids] = await Promise.all([values.data(), indices.data()]);
        tf.dispose([values, indices]);
        for (let k = 0; k < ids.length; k++) candidates.push({ beam, token: ids[k]!, logProb: beam.logProb + lp[k]! });
      }
      // length-normalised score, as beam search with length penalty 1
      const score = (c: (typeof candidates)[number]) => c.logProb / (c.beam.ids.length + 1);
      candidates.sort((a, b) => score(b) - score(a));
      const next: Beam[] = [];
      for (const c of candidates.slice(0, beamsWanted)) {
        if (c.token === endId) {
          done.push({ ids: c.beam.ids, logProb: c.logProb, finished: true });
          continue;
        }
        const ids = [...c.beam.ids, c.token];
        const x = tf.tidy(() => mlmEmbed(params.mlm, cfg.mlm, tf.tensor2d([[c.token]], [1, 1], "int32"))); // [1, 1, d]
        const adv = advance(params, cfg, x, c.beam.cache);
        x.dispose();
        next.push({ ids, logProb: c.logProb, finished: false, ...adv });
      }
      for (const b of beams) {
        disposeKvCache(b.cache);
        b.next.dispose();
      }
      beams = next;
      if (done.length >= beamsWanted) break;
    }
    for (const b of beams) done.push({ ids: b.ids, logProb: b.logProb, finished: false });
  } finally {
    for (const b of beams) {
      disposeKvCache(b.cache);
      b.next.dispose();
    }
  }
  done.sort((a, b) => b.logProb / (b.ids.length + 1) - a.logProb / (a.ids.length + 1));
  return done[0]!;
}
