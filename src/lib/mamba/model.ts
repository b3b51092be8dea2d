/**
 * The Mamba language model (HF `MambaForCausalLM`, mamba_ssm `MambaLMHeadModel`):
 * embedding → nLayer × (x + mixer(rmsNorm(x))) → rmsNorm → tied or separate head.
 *
 * Whole-sequence forward and recurrent generation share one path: pass a cache and ask
 * for it back; a single-token step is the same forward with l = 1.
 */
import * as tf from "../tf.ts";
import type { ScanImpl } from "../../kernels/selective-scan/declaration.ts";
import { rmsNorm } from "../nn/rmsnorm.ts";
import type { MambaConfig } from "./config.ts";
import { mixerForward, zeroMixerState, type MixerState } from "./mixer.ts";
import { layerPrefix, type MambaParams } from "./params.ts";

/** Per-layer recurrent state for generation. */
export type MambaCache = readonly MixerState[];

export interface MambaForwardOptions {
  /** Continue from this state (e.g. after a prompt); zeros when absent. */
  cache?: MambaCache;
  /** Return the state after the last valid token (for the next step). */
  returnCache?: boolean;
  /** [b] int32: valid lengths of right-padded rows. */
  lengths?: tf.Tensor1D;
  scanImpl?: ScanImpl;
}

export class TokenRangeError extends RangeError {
  override name = "TokenRangeError";
}

function param(params: MambaParams, name: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}

/** Throws if any id is outside [0, vocabSize): gather would silently read garbage on some backends. */
export function checkTokenIds(ids: tf.Tensor, vocabSize: number): void {
  if (ids.dtype !== "int32") throw new TokenRangeError(`token ids must be int32, got ${ids.dtype}`);
  const v = ids.dataSync();
  for (let i = 0; i < v.length; i++) {
    const id = v[i]!;
    if (id < 0 || id >= vocabSize) {
      throw new TokenRangeError(`token id ${id} at flat position ${i} is outside the vocabulary [0, ${vocabSize})`);
    }
  }
}

/** ids: [b, l] int32 → [b, l, dModel] */
export function embedTokens(params: MambaParams, cfg: MambaConfig, ids: tf.Tensor2D): tf.Tensor3D {
  checkTokenIds(ids, cfg.vocabSize);
  return tf.gather(param(params, "backbone.embeddings.weight"), ids) as tf.Tensor3D; // [b, l, d]
}

/**
 * The residual stack and final norm over given input embeddings (Meteor splices image
 * features into them). x: [b, l, dModel] → hidden: [b, l, dModel] (final-normed).
 */
export function mambaBackbone(
  params: MambaParams,
  cfg: MambaConfig,
  x: tf.Tensor3D,
  opts: MambaForwardOptions = {},
): { hidden: tf.Tensor3D; cache?: MambaCache } {
  if (opts.cache && opts.cache.length !== cfg.nLayer) {
    throw new Error(`cache has ${opts.cache.length} layers, model has ${cfg.nLayer}`);
  }
  const states: MixerState[] = [];
  const hidden = tf.tidy(() => {
    let h: tf.Tensor3D = x;
    for (let i = 0; i < cfg.nLayer; i++) {
      const pre = layerPrefix(i);
      const normed = rmsNorm(h, param(params, `${pre}.norm.weight`), cfg.rmsNormEps) as tf.Tensor3D; // [b, l, d]
      const { out, state } = mixerForward(params, `${pre}.mixer`, cfg, normed, {
        ...(opts.cache ? { state: opts.cache[i]! } : {}),
        ...(opts.lengths ? { lengths: opts.lengths } : {}),
        returnState: opts.returnCache ?? false,
        scanImpl: opts.scanImpl ?? "auto",
      });
      if (state) states.push(state); // kept by mixerForward; survives this tidy
      h = h.add(out); // [b, l, d]
    }
    return rmsNorm(h, param(params, "backbone.norm_f.weight"), cfg.rmsNormEps) as tf.Tensor3D; // [b, l, d]
  });
  return opts.returnCache ? { hidden, cache: states } : { hidden };
}

/** ids: [b, l] → final-normed hidden states [b, l, dModel] (and the cache if asked). */
export function mambaHidden(
  params: MambaParams,
  cfg: MambaConfig,
  ids: tf.Tensor2D,
  opts: MambaForwardOptions = {},
): { hidden: tf.Tensor3D; cache?: MambaCache } {
  const x = embedTokens(params, cfg, ids); // [b, l, d]
  try {
    return mambaBackbone(params, cfg, x, opts);
  } finally {
    x.dispose();
  }
}

/** hidden: [b, l, dModel] → logits [b, l, vocab] */
export function mambaHead(params: MambaParams, cfg: MambaConfig, hidden: tf.Tensor3D): tf.Tensor3D {
  const w = cfg.tieEmbeddings ? param(params, "backbone.embeddings.weight") : param(params, "lm_head.weight"); // [v, d]
  return tf.tidy(() => {
    const [b, l, d] = hidden.shape;
    return tf.matMul(hidden.reshape([b * l, d]), w, false, true).reshape([b, l, cfg.vocabSize]); // [b, l, v]
  });
}

/** ids: [b, l] → logits [b, l, vocab] */
export function mambaLogits(
  params: MambaParams,
  cfg: MambaConfig,
  ids: tf.Tensor2D,
  opts: MambaForwardOptions = {},
): tf.Tensor3D {
  const { hidden } = mambaHidden(params, cfg, ids, { ...opts, returnCache: false });
  const logits = mambaHead(params, cfg, hidden);
  hidden.dispose();
  return logits;
}

/** An all-zero cache for `b` rows. */
export function emptyMambaCache(cfg: MambaConfig, b: number): MambaCache {
  return Array.from({ length: cfg.nLayer }, () => zeroMixerState(cfg, b));
}

export function disposeMambaCache(cache: MambaCache): void {
  for (const s of cache) tf.dispose([s.conv, s.ssm]);
}

/**
 * One recurrent step: ids [b] (or a chunk [b, l]) after `cache` → logits of the last
 * position [b, vocab] and the new cache. The old cache is left to the caller to dispose.
 */
export function mambaStep(
  params: MambaParams,
  cfg: MambaConfig,
  ids: tf.Tensor1D | tf.Tensor2D,
  cache: MambaCache,
  opts: { scanImpl?: ScanImpl } = {},
): { logits: tf.Tensor2D; cache: MambaCache } {
  const ids2 = (ids.rank === 1 ? ids.reshape([ids.shape[0], 1]) : ids) as tf.Tensor2D; // [b, l]
  const { hidden, cache: next } = mambaHidden(params, cfg, ids2, { cache, returnCache: true, ...opts });
  const logits = tf.tidy(() => {
    const [b, l, d] = hidden.shape;
    const last = hidden.slice([0, l - 1, 0], [b, 1, d]); // [b, 1, d]
    return mambaHead(params, cfg, last as tf.Tensor3D).reshape([b, cfg.vocabSize]) as tf.Tensor2D; // [b, v]
  });
  hidden.dispose();
  if (ids2 !== ids) ids2.dispose();
  return { logits, cache: next! };
}

/** Greedy generation of `maxNew` tokens after `prompt` ([l] ids), by recurrent steps. */
export function mambaGreedy(params: MambaParams, cfg: MambaConfig, prompt: number[], maxNew: number): number[] {
  if (prompt.length === 0) throw new Error("prompt must hold at least one token");
  const out: number[] = [];
  let cache = emptyMambaCache(cfg, 1);
  let ids: tf.Tensor2D = tf.tensor2d([prompt], [1, prompt.length], "int32");
  for (let i = 0; i < maxNew; i++) {
    const { logits, cache: next } = mambaStep(params, cfg, ids, cache);
    disposeMambaCache(cache);
    ids.dispose();
    cache = next;
    const tok = tf.tidy(() => logits.argMax(-1).dataSync()[0]!);
    logits.dispose();
    out.push(tok);
    ids = tf.tensor2d([[tok]], [1, 1], "int32");
  }
  ids.dispose();
  disposeMambaCache(cache);
  return out;
}
