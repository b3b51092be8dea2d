/**
 * The pretrained base a run starts from (Node: reads a checkpoint directory). The paper's
 * Meteor starts from a pretrained CLIP and a pretrained InternLM2; the playground's
 * counterpart is a committed checkpoint of the pretrain stage — vision encoder, MLM vision
 * projector and MLM trained to write each sample's rationale from its image and question
 * (the image is read, the generator's text is learnt) — made once by
 * `meteor train --system mlm --steps-answer 0 …` and loaded by every run and ablation cell
 * that names it, so they all share one base and none pays for pretraining again.
 */
import { Tokenizer } from "../data/tokenizer.ts";
import { CheckpointError, loadCheckpoint } from "../io/meteor-checkpoint.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { partOf, type MeteorPart } from "../meteor/params.ts";
import * as tf from "../tf.ts";

/** The parts a base hands on: what the pretrain stage trains. */
export const BASE_PARTS: readonly MeteorPart[] = ["vision", "mlmVisionProjector", "mlm"];

export interface BaseCheckpoint {
  dir: string;
  tokenizer: Tokenizer;
  /** The base's own config (its sizes must be the run's). */
  config: MeteorConfig;
  /** Weights of `BASE_PARTS` only, by flat name; the caller disposes them. */
  weights: Record<string, tf.Tensor>;
}

export async function loadBaseCheckpoint(path: string): Promise<BaseCheckpoint> {
  const ck = await loadCheckpoint(path);
  if (ck.optimizer) tf.dispose([...Object.values(ck.optimizer.m), ...Object.values(ck.optimizer.v)]);
  const weights: Record<string, tf.Tensor> = {};
  for (const [n, t] of Object.entries(ck.params)) {
    if (BASE_PARTS.includes(partOf(n))) weights[n] = t;
    else t.dispose();
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(ck.tokenizer);
  } catch (e) {
    tf.dispose(Object.values(weights));
    throw new CheckpointError(`base checkpoint ${ck.dir}: tokenizer.json: ${(e as Error).message}`);
  }
  return { dir: ck.dir, tokenizer, config: ck.config, weights };
}

/**
 * Copies the base's weights into `vars` after checking that the run's model has the base's
 * vision encoder, MLM and image projector (same config, same parameter shapes).
 */
export function assignBase(base: BaseCheckpoint, cfg: MeteorConfig, vars: Record<string, tf.Variable>): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const mismatch = [
    !same(cfg.vision, base.config.vision) && "vision",
    !same(cfg.mlm, base.config.mlm) && "mlm",
    cfg.imageFeatureNorm !== base.config.imageFeatureNorm && "imageFeatureNorm",
    cfg.vocabSize !== base.config.vocabSize && "vocabSize",
  ].filter(Boolean);
  if (mismatch.length) {
    throw new CheckpointError(`base checkpoint ${base.dir} does not fit this run: its ${mismatch.join(", ")} config differs from the run's (train a base for these sizes)`);
  }
  for (const [n, t] of Object.entries(base.weights)) {
    const v = vars[n];
    if (!v) throw new CheckpointError(`base checkpoint ${base.dir}: parameter ${n} is not in the run's model`);
    v.assign(t);
  }
}
