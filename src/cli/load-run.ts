/** Loads a trained run's checkpoint for inference: config, run settings, tokenizer, weights. */
import { Tokenizer } from "../lib/data/tokenizer.ts";
import { loadCheckpoint } from "../lib/io/meteor-checkpoint.ts";
import type { MeteorConfig } from "../lib/meteor/config.ts";
import type { MeteorParams } from "../lib/meteor/model.ts";
import { structureParams } from "../lib/meteor/params.ts";
import { resolveRunConfig, type RunConfig, type RunConfigInput } from "../lib/train/run-config.ts";
import type * as tf from "../lib/tf.ts";

export interface LoadedRun {
  dir: string;
  cfg: MeteorConfig;
  run: RunConfig;
  tokenizer: Tokenizer;
  weights: Record<string, tf.Tensor>;
  params: MeteorParams;
}

export async function loadRun(path: string): Promise<LoadedRun> {
  const ckpt = await loadCheckpoint(path);
  if (ckpt.optimizer) {
    for (const t of [...Object.values(ckpt.optimizer.m), ...Object.values(ckpt.optimizer.v)]) t.dispose();
  }
  const run = resolveRunConfig(ckpt.training as RunConfigInput);
  return {
    dir: ckpt.dir,
    cfg: ckpt.config,
    run,
    tokenizer: Tokenizer.fromJSON(ckpt.tokenizer),
    weights: ckpt.params,
    params: structureParams(ckpt.params),
  };
}
