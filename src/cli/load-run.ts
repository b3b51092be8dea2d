/** Loads a trained run's checkpoint for inference: config, run settings, tokenizer, weights. */
import { join } from "node:path";
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

type Checkpoint = Awaited<ReturnType<typeof loadCheckpoint>>;

/** `e` with `file: ` in front of its message (same class, same stack). */
function inFile(e: unknown, file: string): unknown {
  if (e instanceof Error) e.message = `${file}: ${e.message}`;
  return e;
}

/** The checkpoint's run settings (config.json's training section); an error names the file. */
export function runConfigOf(ckpt: Checkpoint): RunConfig {
  try {
    return resolveRunConfig(ckpt.training as RunConfigInput);
  } catch (e) {
    throw inFile(e, `${join(ckpt.dir, "config.json")} (training)`);
  }
}

/** The checkpoint's tokenizer; an error names tokenizer.json. */
export function tokenizerOf(ckpt: Checkpoint): Tokenizer {
  try {
    return Tokenizer.fromJSON(ckpt.tokenizer);
  } catch (e) {
    throw inFile(e, join(ckpt.dir, "tokenizer.json"));
  }
}

export async function loadRun(path: string): Promise<LoadedRun> {
  const ckpt = await loadCheckpoint(path);
  const free = (ts: tf.Tensor[]) => ts.forEach((t) => t.dispose());
  if (ckpt.optimizer) free([...Object.values(ckpt.optimizer.m), ...Object.values(ckpt.optimizer.v)]);
  try {
    return {
      dir: ckpt.dir,
      cfg: ckpt.config,
      run: runConfigOf(ckpt),
      tokenizer: tokenizerOf(ckpt),
      weights: ckpt.params,
      params: structureParams(ckpt.params),
    };
  } catch (e) {
    free(Object.values(ckpt.params));
    throw e;
  }
}
