/**
 * Vision encoder configuration: a ViT in CLIP's layout (`CLIPVisionModel`: patch conv
 * without bias, class embedding, learned positions, pre-LayerNorm, pre-norm blocks with
 * quick-GELU MLPs, post-LayerNorm). Meteor uses CLIP ViT-L/14 at 336 px; the playground
 * trains a small one from scratch. Features are the last layer's patch tokens, CLS dropped.
 */
import { ConfigError, intField, positiveField, rejectUnknownKeys, showValue } from "../config-fields.ts";

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
  /**
   * Per-channel pixel mean subtracted before the patch embedding (CLIP's processor:
   * `image_mean` [0.481, 0.458, 0.408]). Default [0, 0, 0]: pixels in as they are. The
   * playground's presets use the generator's own statistics (`GENERATOR_PIXEL_STATS`).
   */
  pixelMean?: readonly number[];
  /** Per-channel pixel std the centred pixels are divided by (CLIP: [0.269, 0.261, 0.276]). Default [1, 1, 1]. */
  pixelStd?: readonly number[];
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
  /** [channels]: subtracted from every pixel before the patch embedding. */
  readonly pixelMean: readonly number[];
  /** [channels]: positive; the centred pixels are divided by it. */
  readonly pixelStd: readonly number[];
  /** (imageSize / patchSize)²: patch tokens per image = features handed to the projectors. CLIP-L/14-336: 576. */
  readonly numPatches: number;
}

const KNOWN = new Set(["imageSize", "patchSize", "dModel", "nLayer", "nHead", "mlpDim", "channels", "layerNormEps", "pixelMean", "pixelStd"]);

/** A per-channel list of `channels` finite numbers (positive ones for `positive`). */
function channelList(name: string, v: readonly number[] | undefined, channels: number, fill: number, positive: boolean): readonly number[] {
  if (v === undefined) return Object.freeze(Array.from({ length: channels }, () => fill));
  if (!Array.isArray(v) || v.length !== channels || v.some((x) => typeof x !== "number" || !Number.isFinite(x) || (positive && !(x > 0)))) {
    throw new ConfigError(`${name} must be a list of ${channels} ${positive ? "positive" : "finite"} numbers (one per channel), got ${showValue(v)}`);
  }
  return Object.freeze([...v]);
}

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
  const channels = intField("vision.channels", input.channels ?? 3);
  return Object.freeze({
    imageSize,
    patchSize,
    dModel,
    nLayer: intField("vision.nLayer", input.nLayer),
    nHead,
    mlpDim: intField("vision.mlpDim", input.mlpDim),
    channels,
    layerNormEps: eps,
    pixelMean: channelList("vision.pixelMean", input.pixelMean, channels, 0, false),
    pixelStd: channelList("vision.pixelStd", input.pixelStd, channels, 1, true),
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
  pixelMean: [0.48145466, 0.4578275, 0.40821073], // openai/clip-vit-large-patch14-336 preprocessor_config.json
  pixelStd: [0.26862954, 0.26130258, 0.27577711],
};
