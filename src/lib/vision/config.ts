/**
 * Vision encoder configuration: a ViT in CLIP's layout (`CLIPVisionModel`: patch conv
 * without bias, class embedding, learned positions, pre-LayerNorm, pre-norm blocks with
 * quick-GELU MLPs, post-LayerNorm). Meteor uses CLIP ViT-L/14 at 336 px; the playground
 * trains a small one from scratch. Features are the last layer's patch tokens, CLS dropped.
 */
import { ConfigError, intField, positiveField, rejectUnknownKeys } from "../config-fields.ts";

export interface VisionConfigInput {
  /** Square input side in pixels. CLIP-L/14-336: 336 (Meteor interpolates to 490 at run time). */
  imageSize: number;
  /** Patch side in pixels. CLIP-L/14: 14. */
  patchSize: number;
  /** Width. CLIP-L: 1024. */
  dModel: number;
  /** Transformer layers. CLIP-L: 24. */
  nLayer: number;
  /** Attention heads. CLIP-L: 16. */
  nHead: number;
  /** MLP hidden width. CLIP-L: 4096. */
  mlpDim: number;
  /** Input channels. Default 3. */
  channels?: number;
  /** LayerNorm epsilon. Default 1e-5. */
  layerNormEps?: number;
}

export interface VisionConfig {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly dModel: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly mlpDim: number;
  readonly channels: number;
  readonly layerNormEps: number;
  /** (imageSize / patchSize)²: patch tokens per image = features handed to the projectors. CLIP-L/14-336: 576. */
  readonly numPatches: number;
}

const KNOWN = new Set(["imageSize", "patchSize", "dModel", "nLayer", "nHead", "mlpDim", "channels", "layerNormEps"]);

export function resolveVisionConfig(input: VisionConfigInput): VisionConfig {
  if (input === null || typeof input !== "object") throw new ConfigError("vision config must be an object");
  rejectUnknownKeys("vision", input, KNOWN);
  const imageSize = intField("vision.imageSize", input.imageSize);
  const patchSize = intField("vision.patchSize", input.patchSize);
  if (imageSize % patchSize !== 0) {
    throw new ConfigError(`vision.imageSize (${imageSize}) must be a multiple of vision.patchSize (${patchSize})`);
  }
  const dModel = intField("vision.dModel", input.dModel);
  const nHead = intField("vision.nHead", input.nHead);
  if (dModel % nHead !== 0) throw new ConfigError(`vision.dModel (${dModel}) must be divisible by vision.nHead (${nHead})`);
  const eps = positiveField("vision.layerNormEps", input.layerNormEps ?? 1e-5);
  return Object.freeze({
    imageSize,
    patchSize,
    dModel,
    nLayer: intField("vision.nLayer", input.nLayer),
    nHead,
    mlpDim: intField("vision.mlpDim", input.mlpDim),
    channels: intField("vision.channels", input.channels ?? 3),
    layerNormEps: eps,
    numPatches: (imageSize / patchSize) ** 2,
  });
}

/** CLIP ViT-L/14 at 336 px, as Meteor uses it (openai/clip-vit-large-patch14-336). */
export const CLIP_L14_336: VisionConfigInput = {
  imageSize: 336,
  patchSize: 14,
  dModel: 1024,
  nLayer: 24,
  nHead: 16,
  mlpDim: 4096,
};
