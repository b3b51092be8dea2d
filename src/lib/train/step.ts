/**
 * One optimisation step: forward, masked cross-entropy, gradients of the trainable
 * variables only, global-norm clipping, AdamW. A non-finite loss or gradient norm stops
 * the step before any weight changes.
 */
import * as tf from "../tf.ts";
import type { MeteorBatch } from "../meteor/batch.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { meteorLogits } from "../meteor/model.ts";
import { structureParams } from "../meteor/params.ts";
import type { AdamW } from "./adamw.ts";
import { clipByGlobalNorm, maskedCrossEntropy } from "./loss.ts";

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

/** The loss of `batch` (no gradients). */
export function batchLoss(cfg: MeteorConfig, vars: Readonly<Record<string, tf.Tensor>>, batch: MeteorBatch): tf.Scalar {
  return tf.tidy(() => maskedCrossEntropy(meteorLogits(structureParams(vars), cfg, batch), batch.mlm.targets!));
}

export function trainStep(opts: {
  cfg: MeteorConfig;
  vars: Readonly<Record<string, tf.Variable>>;
  trainable: readonly string[];
  optimizer: AdamW;
  batch: MeteorBatch;
  lr: number;
  clipNorm: number;
}): StepResult {
  const { cfg, vars, batch } = opts;
  const varList = opts.trainable.map((n) => vars[n]!);
  const names = new Map(varList.map((v, i) => [v.name, opts.trainable[i]!]));
  const { value, grads } = tf.variableGrads(() => batchLoss(cfg, vars, batch), varList);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const named: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) named[names.get(varName)!] = g;
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(named));
    throw new NonFiniteLossError(`loss is ${loss}; the step was not applied (lower the learning rate or check the data)`);
  }
  const gradNorm = clipByGlobalNorm(named, opts.clipNorm);
  if (!Number.isFinite(gradNorm)) {
    tf.dispose(Object.values(named));
    throw new NonFiniteLossError(`gradient norm is ${gradNorm}; the step was not applied`);
  }
  opts.optimizer.apply(
    Object.fromEntries(opts.trainable.map((n) => [n, vars[n]!])),
    named,
    opts.lr,
  );
  tf.dispose(Object.values(named));
  let tokens = 0;
  for (const t of batch.mlm.targets!) if (t >= 0) tokens++;
  let inputTokens = 0;
  for (const n of batch.mlm.lengths) inputTokens += n;
  for (const n of batch.mamba?.lengths ?? []) inputTokens += n;
  return { loss, gradNorm, tokens, inputTokens };
}
