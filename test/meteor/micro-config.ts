/** The very small Meteor the tests train (no Node-only imports: the Chromium GPU test bundles it). */
import { resolveMeteorConfig, type MeteorConfig, type MeteorConfigInput } from "../../src/lib/meteor/config.ts";

export const IMAGE_SIZE = 8;

/** The micro model as a checkpoint's config.json holds it. */
export function microConfigInput(vocabSize: number, numTor = 10): MeteorConfigInput {
  return {
    vocabSize,
    numTor,
    vision: { imageSize: IMAGE_SIZE, patchSize: 4, dModel: 16, nLayer: 1, nHead: 2, mlpDim: 32 },
    mamba: { dModel: 16, nLayer: 1, dState: 4 },
    mlm: { dModel: 16, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 32 },
  };
}

export function microConfig(vocabSize: number, numTor = 10): MeteorConfig {
  return resolveMeteorConfig(microConfigInput(vocabSize, numTor));
}
