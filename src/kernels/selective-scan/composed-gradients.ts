/**
 * Registers the gradients of the standard ops `composed.ts` uses (and a scalar loss on top
 * needs), each only where none is registered yet. tfjs-core registers op gradients only
 * through the `@tensorflow/tfjs` umbrella package, which this project does not install.
 *
 * The configs are imported file by file rather than through tfjs-core's
 * `register_all_gradients`: that module reaches `dist/gradients.js`, which sits beside a
 * `dist/gradients/` folder, and Node ESM loaders such as tsx resolve the specifier to the
 * folder and fail; the single-gradient files load everywhere (vitest, tsx, bundlers).
 */
import { getGradient, registerGradient, type GradConfig } from "@tensorflow/tfjs-core";
import { addGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Add_grad.js";
import { castGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Cast_grad.js";
import { concatGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Concat_grad.js";
import { expGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Exp_grad.js";
import { multiplyGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Multiply_grad.js";
import { negGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Neg_grad.js";
import { reshapeGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Reshape_grad.js";
import { sigmoidGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sigmoid_grad.js";
import { sliceGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Slice_grad.js";
import { softplusGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Softplus_grad.js";
import { subGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sub_grad.js";
import { sumGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Sum_grad.js";
import { transposeGradConfig } from "@tensorflow/tfjs-core/dist/gradients/Transpose_grad.js";

const CONFIGS: GradConfig[] = [
  addGradConfig,
  castGradConfig,
  concatGradConfig,
  expGradConfig,
  multiplyGradConfig,
  negGradConfig,
  reshapeGradConfig,
  sigmoidGradConfig,
  sliceGradConfig,
  softplusGradConfig,
  subGradConfig,
  sumGradConfig,
  transposeGradConfig,
];

/** Registers each missing gradient; leaves existing registrations alone. Idempotent. */
export function registerComposedScanGradients(): void {
  for (const config of CONFIGS) if (!getGradient(config.kernelName)) registerGradient(config);
}
