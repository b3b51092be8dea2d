/**
 * What the Chromium GPU test (`chromium.test.ts`) loads into its page, bundled by
 * esbuild: the backend picker, tfjs's WebGPU backend (it registers itself where
 * `navigator.gpu` exists; WebGL comes with the @tensorflow/tfjs umbrella), the scan checks
 * of `gpu-checks.ts` and the training trajectory of `train-checks.ts`.
 */
import "@tensorflow/tfjs-backend-webgpu";

export { initBackend } from "../../src/lib/backend.ts";
export { chunkedScanAvailable, fusedScanAvailable } from "../../src/kernels/selective-scan/index.ts";
export { GPU_SHAPES, checkAll, checkCase, forwardMemory, leakCheck, shapeLabel } from "./gpu-checks.ts";
export { trainTrajectory } from "./train-checks.ts";
export * as tf from "../../src/lib/tf.ts";
