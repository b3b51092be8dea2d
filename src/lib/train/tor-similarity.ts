/**
 * The paper's Fig. 4 evidence that Meteor works without rationales at inference: the
 * Mamba's `<tor>` outputs (numTor × dModel, before the tor projector) computed *with* the
 * rationale (step-1 input) and *without* it (bare `<tor>`s) should be far more alike for
 * the same question than across questions. Returns the cosine-similarity matrix
 * S[i][j] = cos(with_i, without_j) and the means of its diagonal and off-diagonal.
 */
import * as tf from "../tf.ts";
import { buildBatch, type BatchItem, type TokenizerLike } from "../meteor/batch.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { encodeImages, torFeatures } from "../meteor/model.ts";
import { structureParams } from "../meteor/params.ts";

export interface TorSimilarity {
  matrix: number[][];
  diagonal: number;
  offDiagonal: number;
}

/** Raw `<tor>` states of `items`, each flattened to numTor·dModel values. */
function torStates(
  cfg: MeteorConfig,
  vars: Readonly<Record<string, tf.Tensor>>,
  tok: TokenizerLike,
  items: readonly BatchItem[],
  stage: "embed" | "answer",
  placeTor: (r: string) => string | null,
  batchSize: number,
): Float32Array[] {
  const params = structureParams(vars);
  const out: Float32Array[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const chunk = items.slice(i, i + batchSize);
    const batch = buildBatch(chunk, tok, { system: "meteor", stage, numTor: cfg.numTor, numPatches: cfg.vision.numPatches, placeTor });
    const raw: tf.Tensor3D[] = [];
    tf.tidy(() => {
      torFeatures(params, cfg, batch, encodeImages(params, cfg, batch), { rawStatesOut: raw });
    });
    const v = raw[0]!.dataSync(); // [b, numTor, dm]
    const per = cfg.numTor * cfg.mamba.dModel;
    for (let j = 0; j < chunk.length; j++) out.push(Float32Array.from(v.subarray(j * per, (j + 1) * per)));
    tf.dispose(raw);
  }
  return out;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb + 1e-30);
}

export function torSimilarity(
  cfg: MeteorConfig,
  vars: Readonly<Record<string, tf.Tensor>>,
  tok: TokenizerLike,
  items: readonly BatchItem[],
  opts: { placeTor: (r: string) => string | null; batchSize?: number },
): TorSimilarity {
  const usable = items.filter((it) => opts.placeTor(it.sample.rationale) !== null);
  if (usable.length < 2) throw new Error("tor similarity needs at least two samples whose rationale holds the <tor> tokens");
  const bs = opts.batchSize ?? 16;
  const withR = torStates(cfg, vars, tok, usable, "embed", opts.placeTor, bs);
  const without = torStates(cfg, vars, tok, usable, "answer", opts.placeTor, bs);
  const matrix = withR.map((w) => without.map((wo) => cosine(w, wo)));
  let diag = 0;
  let off = 0;
  const n = matrix.length;
  matrix.forEach((row, i) => row.forEach((v, j) => (i === j ? (diag += v) : (off += v))));
  return { matrix, diagonal: diag / n, offDiagonal: off / (n * n - n) };
}
