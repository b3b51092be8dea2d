/**
 * The image path: pixel normalisation in the vision encoder, the projectors' output norm,
 * the image ablations of evaluation and the feature-spread diagnostic, each against an
 * independent reference.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { project } from "../../src/lib/meteor/projector.ts";
import { initProjector } from "../../src/lib/meteor/projector.ts";
import { derangement, withImages } from "../../src/lib/train/image-ablation.ts";
import { imageFeatureSpread, spreadOf } from "../../src/lib/train/image-spread.ts";
import { resolveVisionConfig } from "../../src/lib/vision/config.ts";
import { visionEncode } from "../../src/lib/vision/encoder.ts";
import { initVisionParams } from "../../src/lib/vision/params.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { microConfigInput } from "../meteor/micro-config.ts";

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

describe("image path", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("the encoder normalises pixels per channel: same features as identity-config on (x − mean) / std", () => {
    const base = { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 16 };
    const mean = [0.9, 0.8, 0.7];
    const std = [0.2, 0.25, 0.5];
    const norm = resolveVisionConfig({ ...base, pixelMean: mean, pixelStd: std });
    const ident = resolveVisionConfig(base);
    const params = initVisionParams(ident, 3);
    const px = Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => ((i * 37) % 101) / 100);
    const pre = Float32Array.from(px, (v, i) => (v - mean[i % 3]!) / std[i % 3]!); // by hand, channel = i mod 3
    const a = tf.tidy(() => visionEncode(params, norm, tf.tensor4d(px, [2, 8, 8, 3])).dataSync());
    const b = tf.tidy(() => visionEncode(params, ident, tf.tensor4d(pre, [2, 8, 8, 3])).dataSync());
    expect(maxAbs(a, b)).toBeLessThan(1e-5);
    const c = tf.tidy(() => visionEncode(params, ident, tf.tensor4d(px, [2, 8, 8, 3])).dataSync());
    expect(maxAbs(a, c)).toBeGreaterThan(0.1); // and it is not the identity
    tf.dispose(Object.values(params));
  });

  it("with norm, a projector's rows have RMS equal to the gain (hand-checked), and the gain is a parameter", () => {
    const p = initProjector("p", 4, 6, 1, { norm: true });
    expect(p["p.norm.weight"]!.shape).toEqual([6]);
    p["p.norm.weight"]!.assign(tf.fill([6], 2.5));
    const x = tf.tensor2d(Float32Array.from({ length: 12 }, (_, i) => i - 5), [3, 4]);
    const y = project(p, "p", x, { norm: true }).arraySync() as number[][];
    for (const row of y) expect(Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length)).toBeCloseTo(2.5, 3);
    const plain = project(p, "p", x).arraySync() as number[][];
    // the normalised row is the plain row rescaled: same direction
    const cos = (u: number[], v: number[]) => u.reduce((s, a, i) => s + a * v[i]!, 0) / Math.hypot(...u) / Math.hypot(...v);
    for (let r = 0; r < 3; r++) expect(cos(y[r]!, plain[r]!)).toBeCloseTo(1, 5);
    tf.dispose([x, ...Object.values(p)]);
    expect(() => project({}, "q", tf.zeros([1, 4]))).toThrow(/projector q: no parameter q.0.weight/);
  });

  it("a config with imageFeatureNorm has the gains in both image projectors, none in the tor projector", () => {
    const cfg = resolveMeteorConfig({ ...microConfigInput(40), imageFeatureNorm: true });
    const vars = initMeteorVariables(cfg, 0);
    expect(Object.keys(vars).filter((n) => n.includes("_proj.norm")).sort()).toEqual(["mamba_vision_proj.norm.weight", "mlm_vision_proj.norm.weight"]);
    tf.dispose(Object.values(vars));
  });

  it("withImages: blank is all white, shuffled gives every image-bearing item another's image, text items untouched", () => {
    const img = (v: number) => new Float32Array(12).fill(v);
    const items: BatchItem[] = [
      { sample: { question: "a", rationale: "", answer: "1" }, pixels: img(0.1) },
      { sample: { question: "b", rationale: "", answer: "2" } },
      { sample: { question: "c", rationale: "", answer: "3" }, pixels: img(0.2) },
      { sample: { question: "d", rationale: "", answer: "4" }, pixels: img(0.3) },
      { sample: { question: "e", rationale: "", answer: "5" }, pixels: img(0.4) },
    ];
    const blank = withImages(items, "blank");
    expect(blank.every((it, i) => (it.pixels ? it.pixels.every((v) => v === 1) : items[i]!.pixels === undefined))).toBe(true);
    expect(items[0]!.pixels![0]).toBeCloseTo(0.1); // inputs unchanged
    for (const seed of [0, 1, 2, 3]) {
      const sh = withImages(items, "shuffled", seed);
      expect(sh[1]).toBe(items[1]);
      const firsts = sh.flatMap((it) => (it.pixels ? [it.pixels[0]!] : []));
      expect(firsts.map((v) => v.toFixed(1)).sort()).toEqual(["0.1", "0.2", "0.3", "0.4"]); // a permutation
      sh.forEach((it, i) => it.pixels && expect(it.pixels, `item ${i} kept its own image`).not.toBe(items[i]!.pixels));
      expect(sh.map((it) => it.sample.question)).toEqual(items.map((it) => it.sample.question));
    }
    expect(withImages(items, "real")).toEqual(items);
    expect(() => withImages(items, "upside-down" as never)).toThrow(/image mode must be real, blank, shuffled/);
  });

  it("derangement: a permutation with no fixed point for every n ≥ 2", () => {
    for (let n = 2; n < 40; n++) {
      const d = derangement(n, n * 13);
      expect([...d].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(d.every((j, i) => j !== i)).toBe(true);
    }
  });

  it("spreadOf: 0 for identical features, hand-computed for two", () => {
    const same = tf.tensor3d([1, 2, 3, 4, 1, 2, 3, 4], [2, 2, 2]);
    expect(spreadOf(same).dataSync()[0]).toBeCloseTo(0, 6);
    // f1 = (1, 0), f2 = (0, 1): mean (0.5, 0.5); ‖f_i − mean‖ = √0.5, ‖f_i‖ = 1 → √0.5
    const two = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    expect(spreadOf(two).dataSync()[0]).toBeCloseTo(Math.SQRT1_2, 6);
    tf.dispose([same, two]);
  });

  it("imageFeatureSpread: positive at initialisation, null with fewer than two images, no tensors left", async () => {
    const cfg = resolveMeteorConfig({ ...microConfigInput(40), imageFeatureNorm: true });
    const vars = initMeteorVariables(cfg, 0);
    const s = cfg.vision.imageSize;
    const items: BatchItem[] = Array.from({ length: 6 }, (_, k) => ({
      sample: { question: "q", rationale: "r", answer: "a" },
      pixels: Float32Array.from({ length: s * s * 3 }, (_, i) => ((i * (k + 3)) % 17) / 17),
    }));
    const before = tf.memory().numTensors;
    const spread = await imageFeatureSpread(cfg, vars, items);
    expect(tf.memory().numTensors).toBe(before);
    expect(spread!.n).toBe(6);
    expect(spread!.vision).toBeGreaterThan(0.05);
    expect(spread!.mlmProjector).toBeGreaterThan(0.01);
    expect(await imageFeatureSpread(cfg, vars, items.slice(0, 1))).toBeNull();
    tf.dispose(Object.values(vars));
  });
});
