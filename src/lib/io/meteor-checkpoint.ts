/**
 * Saving and loading Meteor training checkpoints in a run directory (Node only):
 *
 *   RUN_DIR/
 *     latest.json              {"format": 1, "checkpoint": "step-000120"}   written last, atomically
 *     step-000120/
 *       config.json            {"format": 1, "meteor": MeteorConfigInput, "training": {...}}
 *       model.safetensors      float32 weights by flat name
 *       tokenizer.json
 *       optimizer.safetensors  (optional) AdamW's "m.<name>", "v.<name>"
 *       state.json             (optional) the training loop's state
 *
 * The files' contents are `meteor-checkpoint-format.ts` (pure, usable from a page with
 * fetched bytes); the crash-safe directory handling is `checkpoint-dir.ts`. A process
 * killed at any instant of `saveCheckpoint` leaves `latest.json` naming a complete
 * checkpoint, or no `latest.json` if none had been saved.
 *
 *   await saveCheckpoint("runs/a", { config, params, tokenizer, optimizer: opt.state, state }, { step: 120 });
 *   const ckpt = await loadCheckpoint("runs/a");   // or "runs/a/step-000120"
 */
import { commitCheckpointDir, readCheckpointFiles, resolveCheckpointDir, stepDirName } from "./checkpoint-dir.ts";
import { CheckpointError } from "./hf-mamba-config.ts";
import {
  CHECKPOINT_FILES,
  deserializeCheckpoint,
  readToHost,
  serializeCheckpoint,
  type LoadedMeteorCheckpoint,
  type MeteorCheckpoint,
} from "./meteor-checkpoint-format.ts";

export { CheckpointError } from "./hf-mamba-config.ts";
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  MODEL_FORMAT,
  deserializeCheckpoint,
  readToHost,
  serializeCheckpoint,
  type CheckpointTensor,
  type DeserializeOptions,
  type HostTensor,
  type LoadedMeteorCheckpoint,
  type MeteorCheckpoint,
} from "./meteor-checkpoint-format.ts";
export { LATEST_FILE, stepDirName } from "./checkpoint-dir.ts";

export interface SaveCheckpointOptions {
  /** The training step, which names the directory (`step-000120`). Default: `optimizer.step`. */
  step?: number;
  /** Complete checkpoints to keep: this one and the keep − 1 highest other steps. Default 2. */
  keep?: number;
}

export interface SavedCheckpoint {
  /** The checkpoint's directory. */
  dir: string;
  /** Its name inside the run directory, as latest.json holds it. */
  name: string;
}

/**
 * Saves `ckpt` as `RUN_DIR/step-XXXXXX/` and points latest.json at it, then deletes
 * checkpoints beyond `keep` and anything a killed save left behind. A checkpoint of the
 * same step is replaced. Validation (`serializeCheckpoint`) happens before the disk is touched.
 */
export async function saveCheckpoint(runDir: string, ckpt: MeteorCheckpoint, opts: SaveCheckpointOptions = {}): Promise<SavedCheckpoint> {
  const step = opts.step ?? ckpt.optimizer?.step;
  if (step === undefined) throw new CheckpointError("saveCheckpoint: pass the step (opts.step) when there is no optimizer state");
  const name = stepDirName(step);
  const files = serializeCheckpoint(await readToHost(ckpt));
  const dir = await commitCheckpointDir(runDir, name, files, { keep: opts.keep });
  return { dir, name };
}

/**
 * Loads a checkpoint from a run directory (following latest.json) or from a checkpoint
 * directory. Every problem is a CheckpointError naming the file; nothing is left
 * allocated when it throws. The caller owns (and disposes) the returned tensors.
 */
export async function loadCheckpoint(path: string): Promise<LoadedMeteorCheckpoint & { dir: string }> {
  const dir = await resolveCheckpointDir(path, CHECKPOINT_FILES.config);
  const files = await readCheckpointFiles(dir, Object.values(CHECKPOINT_FILES));
  return { ...deserializeCheckpoint(files, { source: dir }), dir };
}
