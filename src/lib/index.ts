/**
 * Meteor Playground — the typed model library.
 *
 * Glossary of dimension letters, used in every `// [..]` shape comment (mamba-minimal's):
 *   b      batch size
 *   l      sequence length
 *   d      dModel, the residual width (in the scan kernels, d is the channel count = dInner)
 *   e      dInner = expand · dModel, the mixer's inner width
 *   n      dState, the SSM state size per channel
 *   k      dConv, the causal conv1d width
 *   r      dtRank, the rank of Δ's projection
 *   v      vocabulary size
 *
 * The math does no I/O: files, progress and the DOM live in `src/cli`, `docs/` and the
 * loaders. Everything here runs the same in Node and in the browser.
 */
export { initBackend, BACKEND_NAMES, BackendError } from "./backend.ts";
export type { BackendName, BackendChoice, InitBackendOptions } from "./backend.ts";
export { resolveMambaConfig, mambaPreset, MAMBA_PRESETS, ConfigError } from "./mamba/config.ts";
export type { MambaConfig, MambaConfigInput, MambaPresetName } from "./mamba/config.ts";
export { mambaParamShapes, countMambaParams, initMambaParams } from "./mamba/params.ts";
export type { MambaParams } from "./mamba/params.ts";
export {
  embedTokens,
  mambaBackbone,
  mambaHidden,
  mambaHead,
  mambaLogits,
  mambaStep,
  mambaGreedy,
  emptyMambaCache,
  disposeMambaCache,
  TokenRangeError,
} from "./mamba/model.ts";
export type { MambaCache, MambaForwardOptions } from "./mamba/model.ts";
export { selectiveScan, fusedScanAvailable } from "../kernels/selective-scan/index.ts";
export type { ScanImpl, SelectiveScanResult } from "../kernels/selective-scan/declaration.ts";

// Meteor: configuration, parameters, forward, generation, batching
export { resolveMeteorConfig, meteorPreset, countMeteorParams, METEOR_PRESETS } from "./meteor/config.ts";
export type { MeteorConfig, MeteorConfigInput } from "./meteor/config.ts";
export { initMeteorVariables, meteorParamShapes, structureParams, selectParts } from "./meteor/params.ts";
export { meteorLogits, torFeatures, mlmLogits, encodeImages } from "./meteor/model.ts";
export type { MeteorParams } from "./meteor/model.ts";
export { generate } from "./meteor/generate.ts";
export { buildBatch, BatchError } from "./meteor/batch.ts";
export type { BatchItem, MeteorBatch } from "./meteor/batch.ts";
export { mambaPrompt, mlmPrompt } from "./meteor/prompts.ts";

// Training and evaluation (no I/O: the CLI and pages drive them)
export { Trainer, DEFAULT_TRAIN_OPTIONS } from "./train/trainer.ts";
export type { TrainOptions, TrainerState, StepReport } from "./train/trainer.ts";
export { resolveRunConfig, RUN_PRESETS } from "./train/run-config.ts";
export { evaluate, wilson95 } from "./train/evaluate.ts";
export { torSimilarity } from "./train/tor-similarity.ts";
export { NonFiniteLossError } from "./train/step.ts";

// Data (browser-safe; Node rendering is in ./data/render-node.ts)
export * from "./data/index.ts";

// Weights as bytes (browser-safe; directories on disk are in ./io/meteor-checkpoint.ts)
export { parseSafetensors, serializeSafetensors, SafetensorsError } from "./io/safetensors.ts";
export { loadMambaCheckpoint, saveMambaCheckpoint } from "./io/hf-mamba.ts";
export { serializeCheckpoint, deserializeCheckpoint, CheckpointError } from "./io/meteor-checkpoint-format.ts";
