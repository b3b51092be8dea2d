/**
 * The library as the pages use it in the browser, bundled into one ES module by the loader
 * `docs/data/meteor.js.ts`; pages load it with
 *
 *     const meteor = await import(FileAttachment("data/meteor.js").href);
 *
 * Why a bundle: Observable Framework (1.13) follows a page's local imports only through
 * specifiers ending in `.js`; the library imports its own files with `.ts` suffixes, which
 * Framework copies as raw, untranspiled files the browser cannot run. One bundle also means
 * one copy of tfjs-core, so the fused kernels register on the engine the pages use.
 *
 * In the browser the wasm backend must be told where its three `.wasm` binaries are before
 * it initialises: pages pass `FileAttachment` URLs of `docs/wasm/*` to `setWasmPaths`.
 * Backends in the bundle: cpu, wasm, webgl (with the @tensorflow/tfjs umbrella) and webgpu
 * (imported here; it registers itself where the browser has `navigator.gpu`).
 */
import "@tensorflow/tfjs-backend-webgpu";
export { METEOR_PRESETS, meteorPreset, countMeteorParams } from "../../src/lib/meteor/config.ts";
export type { MeteorConfig, MeteorPresetName } from "../../src/lib/meteor/config.ts";
export { mambaPrompt, mlmPrompt, SYSTEM_MESSAGE, ANSWER_SUFFIX } from "../../src/lib/meteor/prompts.ts";
export { FAMILIES, SPLITS, placeTor, insertTor, TOR, familyInfo, splitPieces } from "../../src/lib/data/index.ts";
export type { Family, Split, TorPlacement } from "../../src/lib/data/index.ts";
export { initBackend, BACKEND_NAMES } from "../../src/lib/backend.ts";
export type { BackendChoice, BackendName } from "../../src/lib/backend.ts";
export { selectiveScan, fusedScanAvailable, chunkedScanAvailable, selectiveScanReference } from "../../src/kernels/selective-scan/index.ts";
export { SCAN_KERNEL_TABLE } from "../../src/kernels/selective-scan/kernel-table.ts";
export type { ScanImpl } from "../../src/kernels/selective-scan/declaration.ts";
export { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
// Checkpoints and the Mamba's <tor> states (Inside Mamba page).
export { deserializeCheckpoint } from "../../src/lib/io/meteor-checkpoint-format.ts";
export type { LoadedMeteorCheckpoint } from "../../src/lib/io/meteor-checkpoint-format.ts";
export { Tokenizer } from "../../src/lib/data/index.ts";
export { buildBatch } from "../../src/lib/meteor/batch.ts";
export type { BatchItem } from "../../src/lib/meteor/batch.ts";
export { encodeImages, torFeatures } from "../../src/lib/meteor/model.ts";
export { structureParams } from "../../src/lib/meteor/params.ts";
export { torSimilarity } from "../../src/lib/train/tor-similarity.ts";
export * as tf from "../../src/lib/tf.ts";
// Asking the checkpoint a question (Ask page).
export { generate } from "../../src/lib/meteor/generate.ts";
export type { Generation } from "../../src/lib/meteor/generate.ts";
export { mlmLogits } from "../../src/lib/meteor/model.ts";
// Training a micro Meteor in the browser (Train page).
export { resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
export type { MeteorConfigInput } from "../../src/lib/meteor/config.ts";
export { initMeteorVariables } from "../../src/lib/meteor/params.ts";
export { buildTokenizer } from "../../src/lib/data/index.ts";
export { TEMPLATE_TEXTS } from "../../src/lib/meteor/prompts.ts";
export { Trainer } from "../../src/lib/train/trainer.ts";
export type { StepReport } from "../../src/lib/train/trainer.ts";
export { resolveRunConfig, runConfigInput } from "../../src/lib/train/run-config.ts";
export type { RunConfig } from "../../src/lib/train/run-config.ts";
export { readToHost, serializeCheckpoint } from "../../src/lib/io/meteor-checkpoint-format.ts";
