import { describe, expect, it } from "vitest";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { GENERATOR_PIXEL_STATS, pixelStatistics } from "../../src/lib/data/pixel-stats.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";
import { METEOR_PRESETS, resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
import { resolveVisionConfig } from "../../src/lib/vision/config.ts";

describe("generator pixel statistics", () => {
  it("pixelStatistics: per-channel mean and (population) std, hand-computed", () => {
    // two 1×1… images of 3 channels: channel 0 = {0, 1}, channel 1 = {0.5, 0.5}, channel 2 = {0.2, 0.6}
    const { mean, std } = pixelStatistics([Float32Array.from([0, 0.5, 0.2]), Float32Array.from([1, 0.5, 0.6])]);
    expect(mean[0]).toBeCloseTo(0.5, 6);
    expect(mean[1]).toBeCloseTo(0.5, 6);
    expect(mean[2]).toBeCloseTo(0.4, 6);
    expect(std[0]).toBeCloseTo(0.5, 6);
    expect(std[1]).toBeCloseTo(0, 6);
    expect(std[2]).toBeCloseTo(0.2, 6);
    expect(() => pixelStatistics([])).toThrow(/no pixels/);
    expect(() => pixelStatistics([new Float32Array(4)])).toThrow(/3-channel/);
  });

  it("the committed constants match freshly rendered images of another seed (±0.02)", async () => {
    const samples = generateDataset({ n: 300, seed: 77, split: "train", families: ["math-vision", "chart", "scene"] });
    const images = await Promise.all(samples.map(async (s) => (await renderImage(s.image!, { size: 32 })).pixels));
    const { mean, std } = pixelStatistics(images);
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(mean[c]! - GENERATOR_PIXEL_STATS.mean[c]!), `mean[${c}]`).toBeLessThan(0.02);
      expect(Math.abs(std[c]! - GENERATOR_PIXEL_STATS.std[c]!), `std[${c}]`).toBeLessThan(0.02);
    }
    // the background dominates: without normalisation most inputs sit near 1
    expect(mean.every((m) => m > 0.8)).toBe(true);
  });

  it("the playground presets normalise with them; the default is the identity; bad lists are refused", () => {
    for (const p of ["tiny", "small"] as const) {
      const cfg = resolveMeteorConfig({ ...METEOR_PRESETS[p], vocabSize: 64 });
      expect(cfg.vision.pixelMean).toEqual(GENERATOR_PIXEL_STATS.mean);
      expect(cfg.vision.pixelStd).toEqual(GENERATOR_PIXEL_STATS.std);
      expect(cfg.imageFeatureNorm).toBe(true);
    }
    const base = { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 8 };
    expect(resolveVisionConfig(base).pixelMean).toEqual([0, 0, 0]);
    expect(resolveVisionConfig(base).pixelStd).toEqual([1, 1, 1]);
    expect(() => resolveVisionConfig({ ...base, pixelStd: [1, 0, 1] })).toThrow(/vision.pixelStd must be a list of 3 positive numbers/);
    expect(() => resolveVisionConfig({ ...base, pixelMean: [0.5, 0.5] })).toThrow(/vision.pixelMean must be a list of 3/);
    expect(() => resolveVisionConfig({ ...base, pixelMean: [0, Number.NaN, 0] })).toThrow(/pixelMean/);
  });
});
