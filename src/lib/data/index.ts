/**
 * Generated question–rationale–answer data (spec §6), `<tor>` placement (spec §3) and the
 * word tokenizer. Everything exported here is pure and runs in Node and in the browser.
 * Node-only edges, imported by path: `render-node.ts` (`renderImage`, `decodeImage`, with
 * sharp) and `mnist-node.ts` (`loadMnistDigits`).
 */
export { FAMILIES, SPLITS } from "./sample.ts";
export type { Family, Split, Sample, Draft } from "./sample.ts";
export { resolveDataConfig, DATA_CONFIG_DEFAULTS } from "./config.ts";
export type { DataConfig, DataConfigInput } from "./config.ts";
export { generateDataset, generateSample, familyInfo, FAMILY_DEFINITIONS } from "./dataset.ts";
export type { FamilyDefinition, Template } from "./families/family.ts";
export { SPLIT_FRACTIONS, splitOfKey, poolRange } from "./splits.ts";
export { COLOURS, ImageError, imageKey } from "./image-spec.ts";
export type {
  ImageSpec,
  DigitsImage,
  BarChartImage,
  LineChartImage,
  TableImage,
  SceneImage,
  SceneObject,
  DigitRef,
  Colour,
  Operator,
  Shape,
  ShapeSize,
} from "./image-spec.ts";
export { renderSvg } from "./render-svg.ts";
export type { RenderSvgOptions } from "./render-svg.ts";
export { MNIST_COUNTS, MNIST_SIDE, digitSourceFromMnist } from "./mnist-digits.ts";
export type { DigitSource, MnistPackage } from "./mnist-digits.ts";
export { insertTor, placeTor, TOR } from "./insert-tor.ts";
export type { InsertTorOptions, PlaceTorOptions, TorPlacement } from "./insert-tor.ts";
export { Tokenizer, TokenizerError, buildTokenizer, splitPieces, SPECIAL_TOKENS, NEWLINE } from "./tokenizer.ts";
export type { TokenizerJSON, BuildTokenizerOptions, SpecialToken } from "./tokenizer.ts";
