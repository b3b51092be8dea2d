/**
 * Meteor's forward (paper §3, Fig. 3; official `Meteor/arch_meteor` and `arch_mamba`):
 *
 *   feats = vision(images)                                   [b, np, dv]
 *   Mamba input = embed(mamba ids) with `<image>` rows ← mambaVisionProj(feats)
 *   tor   = torProj(mamba(…)[positions of <tor>])           [b, numTor, dMlm]
 *   MLM input  = embed(mlm ids) with `<image>` rows ← mlmVisionProj(feats), `<tor>` rows ← tor
 *   logits = mlmHead(mlm(…))                                 [b, lq, outputVocab]
 *
 * Positions come from the batch (see `batch.ts`), so rows of different lengths, with or
 * without an image, share one batch.
 */
import * as tf from "../tf.ts";
import type { MambaParams } from "../mamba/params.ts";
import { embedTokens, mambaBackbone } from "../mamba/model.ts";
import { mlmBackbone, mlmEmbed, mlmHead } from "../mlm/model.ts";
import type { MlmParams } from "../mlm/params.ts";
import type { VisionParams } from "../vision/params.ts";
import { visionEncode } from "../vision/encoder.ts";
import type { ScanImpl } from "../../kernels/selective-scan/declaration.ts";
import { PROJECTORS, type MeteorConfig } from "./config.ts";
import { project } from "./projector.ts";
import type { MeteorBatch, SequenceBatch } from "./batch.ts";
import type { TransformerEmbedderParams } from "../embedder/params.ts";
import { transformerEmbedTokens, transformerEmbedderHidden } from "../embedder/model.ts";

/** The parts' parameters, each under its own original names. */
export interface MeteorParams {
  readonly vision: VisionParams;
  readonly mamba: MambaParams;
  /** The Transformer rationale embedder's (`cfg.embedder` "gpt" or "bert"); empty for Mamba. */
  readonly embedder?: TransformerEmbedderParams;
  readonly mlm: MlmParams;
  readonly projectors: Readonly<Record<string, tf.Tensor>>;
  /** The perception head (`facts.*`), when the config has one. */
  readonly factHead?: Readonly<Record<string, tf.Tensor>>;
}

/**
 * Overwrites rows of `base` with rows of `rows`: out[i, t] = rows[index[i·l + t]] where the
 * index is ≥ 0, else base[i, t]. base: [b, l, d], rows: [m, d] → [b, l, d]. Gradients reach
 * both (gather's gradient is a segment sum).
 */
export function spliceRows(base: tf.Tensor3D, rows: tf.Tensor2D, index: Int32Array): tf.Tensor3D {
  const [b, l, d] = base.shape;
  if (index.length !== b * l) throw new Error(`spliceRows: index has ${index.length} entries, expected ${b * l}`);
  return tf.tidy(() => {
    const m = rows.shape[0];
    const safe = Int32Array.from(index, (j) => (j >= 0 ? j : m)); // m → the zero row
    const mask = tf.tensor(Float32Array.from(index, (j) => (j >= 0 ? 1 : 0)), [b, l, 1]); // [b, l, 1]
    const padded = tf.concat([rows, tf.zeros([1, d])], 0); // [m+1, d]
    const src = tf.gather(padded, tf.tensor2d(safe, [b, l], "int32")); // [b, l, d]
    return base.mul(tf.sub(1, mask)).add(src.mul(mask)) as tf.Tensor3D;
  });
}

/** Inverts a scatter index ([b·l] → tor row or −1) into the flat position of each tor row. */
export function torPositions(torIndex: Int32Array, rows: number): Int32Array {
  const pos = new Int32Array(rows).fill(-1);
  torIndex.forEach((j, p) => {
    if (j >= 0) pos[j] = p;
  });
  const missing = pos.indexOf(-1);
  if (missing >= 0) throw new Error(`tor row ${missing} has no position in the sequence`);
  return pos;
}

/** Vision features of the rows that have an image: [nImg, np, dv], or null. */
export function encodeImages(params: MeteorParams, cfg: MeteorConfig, batch: MeteorBatch): tf.Tensor3D | null {
  if (!batch.images || batch.images.count === 0) return null;
  const s = cfg.vision.imageSize;
  return tf.tidy(() => {
    const imgs = tf.tensor4d(batch.images!.pixels, [batch.images!.count, s, s, cfg.vision.channels]); // [nImg, s, s, c]
    return visionEncode(params.vision, cfg.vision, imgs); // [nImg, np, dv]
  });
}

/** Image features through one of the image projectors: [nImg, np, dv] → [nImg·np, d] */
export function projectImages(params: MeteorParams, cfg: MeteorConfig, feats: tf.Tensor3D, projectorPrefix: string): tf.Tensor2D {
  const [nImg, np, dv] = feats.shape;
  return project(params.projectors, projectorPrefix, feats.reshape([nImg * np, dv]), { norm: cfg.imageFeatureNorm }) as tf.Tensor2D; // [nImg·np, d]
}

function embedWithImages(
  embedded: tf.Tensor3D,
  seq: SequenceBatch,
  feats: tf.Tensor3D | null,
  projectorPrefix: string,
  params: MeteorParams,
  cfg: MeteorConfig,
): tf.Tensor3D {
  if (!feats || !seq.imageIndex) return embedded;
  return tf.tidy(() => {
    const projected = projectImages(params, cfg, feats, projectorPrefix); // [nImg·np, d]
    return spliceRows(embedded, projected as tf.Tensor2D, seq.imageIndex!);
  });
}

/**
 * The rationale embedder (Meteor-Mamba, or the Transformer of `cfg.embedder`) over the
 * Mamba-side ids, `splice` putting the image features into its input embeddings.
 * ids: [b, lm] → final-normed hidden [b, lm, dm]
 */
function rationaleEmbedderHidden(
  params: MeteorParams,
  cfg: MeteorConfig,
  ids: tf.Tensor2D,
  splice: (x: tf.Tensor3D) => tf.Tensor3D,
  lengths: Int32Array,
  opts: { scanImpl?: ScanImpl },
): tf.Tensor3D {
  if (cfg.transformer) {
    if (!params.embedder) throw new Error(`the config's embedder is "${cfg.embedder}" but no embedder.* parameters were given`);
    const x = splice(transformerEmbedTokens(params.embedder, cfg.transformer, ids)); // [b, lm, dm]
    return transformerEmbedderHidden(params.embedder, cfg.transformer, x, { lengths }); // [b, lm, dm]
  }
  const x = splice(embedTokens(params.mamba, cfg.mamba, ids)); // [b, lm, dm]
  const len = tf.tensor1d(lengths, "int32"); // [b]
  return mambaBackbone(params.mamba, cfg.mamba, x, { lengths: len, ...(opts.scanImpl ? { scanImpl: opts.scanImpl } : {}) }).hidden; // [b, lm, dm]
}

/**
 * Meteor-Mamba: the projected `<tor>` features. → [b, numTor, dMlm]
 * `feats` are this batch's vision features (shared with the MLM side).
 */
export function torFeatures(
  params: MeteorParams,
  cfg: MeteorConfig,
  batch: MeteorBatch,
  feats: tf.Tensor3D | null,
  opts: { scanImpl?: ScanImpl; rawStatesOut?: tf.Tensor3D[] } = {},
): tf.Tensor3D {
  const seq = batch.mamba;
  if (!seq?.torIndex) throw new Error("torFeatures: the batch has no Mamba sequence with <tor> positions");
  const positions = torPositions(seq.torIndex, batch.size * cfg.numTor); // [b·numTor] flat positions
  return tf.tidy(() => {
    const ids = tf.tensor2d(seq.ids, [batch.size, seq.length], "int32"); // [b, lm]
    const hidden = rationaleEmbedderHidden(params, cfg, ids, (x) => embedWithImages(x, seq, feats, PROJECTORS.mambaVision, params, cfg), seq.lengths, opts); // [b, lm, dm]
    const dm = cfg.mamba.dModel;
    const tor = tf
      .gather(hidden.reshape([batch.size * seq.length, dm]), tf.tensor1d(positions, "int32")) // [b·numTor, dm]
      .reshape([batch.size, cfg.numTor, dm]); // [b, numTor, dm]
    if (opts.rawStatesOut) opts.rawStatesOut.push(tf.keep(tor.clone() as tf.Tensor3D));
    return project(params.projectors, PROJECTORS.tor, tor) as tf.Tensor3D; // [b, numTor, dMlm]
  });
}

/** The MLM's input embeddings with images and (for Meteor) `<tor>` rows spliced in. → [b, lq, d] */
export function mlmInputEmbeddings(
  params: MeteorParams,
  cfg: MeteorConfig,
  batch: MeteorBatch,
  feats: tf.Tensor3D | null,
  tor: tf.Tensor3D | null,
): tf.Tensor3D {
  const seq = batch.mlm;
  return tf.tidy(() => {
    const ids = tf.tensor2d(seq.ids, [batch.size, seq.length], "int32"); // [b, lq]
    let x = embedWithImages(mlmEmbed(params.mlm, cfg.mlm, ids), seq, feats, PROJECTORS.mlmVision, params, cfg); // [b, lq, d]
    if (seq.torIndex) {
      if (!tor) throw new Error("the MLM prompt has <tor> positions but no tor features were given");
      x = spliceRows(x, tor.reshape([batch.size * cfg.numTor, cfg.mlm.dModel]) as tf.Tensor2D, seq.torIndex); // [b, lq, d]
    }
    return x;
  });
}

/** The MLM over its prompt+target with images and `<tor>` rows spliced in. → [b, lq, outputVocab] */
export function mlmLogits(
  params: MeteorParams,
  cfg: MeteorConfig,
  batch: MeteorBatch,
  feats: tf.Tensor3D | null,
  tor: tf.Tensor3D | null,
  opts: { attentionOut?: tf.Tensor4D[] } = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const x = mlmInputEmbeddings(params, cfg, batch, feats, tor);
    const { hidden } = mlmBackbone(params.mlm, cfg.mlm, x, opts.attentionOut ? { attentionOut: opts.attentionOut } : {});
    return mlmHead(params.mlm, hidden); // [b, lq, v−2]
  });
}

/** The whole model: logits of the MLM for this batch. */
export function meteorLogits(
  params: MeteorParams,
  cfg: MeteorConfig,
  batch: MeteorBatch,
  opts: { scanImpl?: ScanImpl } = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const feats = encodeImages(params, cfg, batch);
    const tor = batch.mlm.torIndex ? torFeatures(params, cfg, batch, feats, opts) : null;
    return mlmLogits(params, cfg, batch, feats, tor);
  });
}
