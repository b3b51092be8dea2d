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
