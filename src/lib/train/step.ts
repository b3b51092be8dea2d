/**
 * One optimisation step: forward, masked cross-entropy, gradients of the trainable
 * variables only, global-norm clipping, AdamW. A non-finite loss or gradient norm stops
 * the step before any weight changes.
 *
 * Asynchronous because the GPU backends (webgpu always, webgl in a page that must not
 * freeze) read results back only with `await data()`: the loss and the gradient norm come
 * back together in one read per step, the only time the step waits for the device.
 */
import * as tf from "../tf.ts";
import type { MeteorBatch, PerceptionBatch } from "../meteor/batch.ts";
import type { MeteorParams } from "../meteor/model.ts";
import { factLogits, factLoss } from "../vision/fact-head.ts";
import { visionEncode } from "../vision/encoder.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { meteorLogits } from "../meteor/model.ts";
import { structureParams } from "../meteor/params.ts";
import type { AdamW } from "./adamw.ts";
import { clipScale, globalNorm, maskedCrossEntropy } from "./loss.ts";

export class NonFiniteLossError extends Error {
  override name = "NonFiniteLossError";
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** Target tokens in the batch. */
  tokens: number;
  /** Tokens the models read: the MLM's plus the Mamba's sequence positions (padding excluded). */
  inputTokens: number;
}

/** The loss of `batch` (no gradients): the MLM's target cross-entropy, or the perception head's fact loss. */
export function batchLoss(cfg: MeteorConfig, vars: Readonly<Record<string, tf.Tensor>>, batch: MeteorBatch | PerceptionBatch): tf.Scalar {
  if ("kind" in batch) return tf.tidy(() => factLoss(perceptionLogits(structureParams(vars), cfg, batch), batch.facts));
  return tf.tidy(() => maskedCrossEntropy(meteorLogits(structureParams(vars), cfg, batch), batch.mlm.targets!));
}

/** The perception head's logits for a perception batch: [count, FACT_CLASSES]. */
export function perceptionLogits(params: MeteorParams, cfg: MeteorConfig, batch: PerceptionBatch): tf.Tensor2D {
  if (!params.factHead || Object.keys(params.factHead).length === 0) throw new Error("the perceive stage needs a model with a perception head (config factHead: true)");
  const s = cfg.vision.imageSize;
  return tf.tidy(() => {
    const imgs = tf.tensor4d(batch.images.pixels, [batch.images.count, s, s, cfg.vision.channels]); // [n, s, s, c]
    return factLogits(params.factHead!, visionEncode(params.vision, cfg.vision, imgs)); // [n, C]
  });
}

/** Reads scalar tensors in one device→host transfer (they stay allocated). */
export async function readScalars(scalars: readonly tf.Tensor[]): Promise<number[]> {
  const both = tf.tidy(() => tf.stack(scalars.map((t) => t.reshape([])))); // [k]
  const values = await both.data();
  both.dispose();
  return Array.from(values);
}

export async function trainStep(opts: {
  cfg: MeteorConfig;
  vars: Readonly<Record<string, tf.Variable>>;
  trainable: readonly string[];
  optimizer: AdamW;
  batch: MeteorBatch | PerceptionBatch;
  lr: number;
  clipNorm: number;
}): Promise<StepResult> {
  const { cfg, vars, batch } = opts;
  const varList = opts.trainable.map((n) => vars[n]!);
  const names = new Map(varList.map((v, i) => [v.name, opts.trainable[i]!]));
  const { value, grads } = tf.variableGrads(() => batchLoss(cfg, vars, batch), varList);
  const named: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) named[names.get(varName)!] = g;
  const norm = globalNorm(named);
  const [loss, gradNorm] = (await readScalars([value, norm])) as [number, number];
  tf.dispose([value, norm]);
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(named));
    throw new NonFiniteLossError(`loss is ${loss}; the step was not applied (lower the learning rate or check the data)`);
  }
  if (!Number.isFinite(gradNorm)) {
    tf.dispose(Object.values(named));
    throw new NonFiniteLossError(`gradient norm is ${gradNorm}; the step was not applied`);
  }
  opts.optimizer.apply(
    Object.fromEntries(opts.trainable.map((n) => [n, vars[n]!])),
    named,
    opts.lr,
    clipScale(gradNorm, opts.clipNorm),
  );
  tf.dispose(Object.values(named));
  if ("kind" in batch) return { loss, gradNorm, tokens: 0, inputTokens: batch.images.count * cfg.vision.numPatches };
  let tokens = 0;
  for (const t of batch.mlm.targets!) if (t >= 0) tokens++;
  let inputTokens = 0;
  for (const n of batch.mlm.lengths) inputTokens += n;
  for (const n of batch.mamba?.lengths ?? []) inputTokens += n;
  return { loss, gradNorm, tokens, inputTokens };
}
