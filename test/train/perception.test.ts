/**
 * The perceive stage and its labels: facts read from specs (hand-checked), the fact loss
 * against a hand-computed value, and a micro model that learns to read; then the image
 * dependence the issue asks for — on a briefly trained checkpoint, blank and shuffled
 * images change the loss and the answer logits.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { FACT_CLASSES, FACT_SLOTS, imageFacts } from "../../src/lib/data/image-facts.ts";
import type { SceneImage } from "../../src/lib/data/image-spec.ts";
import { buildBatch, buildPerceptionBatch } from "../../src/lib/meteor/batch.ts";
import { resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
import { meteorLogits } from "../../src/lib/meteor/model.ts";
import { initMeteorVariables, partOf, structureParams } from "../../src/lib/meteor/params.ts";
import { evaluatePerception } from "../../src/lib/train/evaluate-perception.ts";
import { withImages } from "../../src/lib/train/image-ablation.ts";
import { batchLoss } from "../../src/lib/train/step.ts";
import { trainableParts } from "../../src/lib/train/stages.ts";
import { DEFAULT_TRAIN_OPTIONS, Trainer } from "../../src/lib/train/trainer.ts";
import { factLoss } from "../../src/lib/vision/fact-head.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import type { Tokenizer } from "../../src/lib/data/tokenizer.ts";
import { microConfigInput, microData } from "../meteor/fixtures.ts";

const slot = (name: string) => FACT_SLOTS.findIndex((s) => s.name === name);
const cls = (name: string, label: number) => FACT_SLOTS[slot(name)]!.classes[label];

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

describe("image facts", () => {
  it("read straight from the spec; slots of other kinds are −1", () => {
    const digits = imageFacts({ kind: "digits", layout: "row", digits: [{ label: 7, index: 0 }, { label: 0, index: 1 }, { label: 3, index: 2 }] });
    expect(cls("kind", digits[slot("kind")]!)).toBe("digits-row");
    expect([1, 2, 3, 4].map((i) => cls(`digit${i}`, digits[slot(`digit${i}`)]!))).toEqual(["7", "0", "3", "none"]);
    expect(cls("operator", digits[slot("operator")]!)).toBe("none");
    expect(digits[slot("cell1")]).toBe(-1);
    expect(digits[slot("bar1.value")]).toBe(-1);
    const scene: SceneImage = { kind: "scene", grid: 4, objects: [{ shape: "square", colour: "blue", size: "large", row: 1, col: 2 }] };
    const s = imageFacts(scene);
    expect(cls("cell7", s[slot("cell7")]!)).toBe("blue square large"); // row 1, col 2 → cell 1·4 + 2 + 1
    expect(cls("cell1", s[slot("cell1")]!)).toBe("empty");
    const bars = imageFacts({ kind: "bar-chart", bars: [{ colour: "red", value: 4 }, { colour: "green", value: 9 }, { colour: "purple", value: 1 }] });
    expect([1, 2, 3, 4].map((i) => cls(`bar${i}.value`, bars[slot(`bar${i}.value`)]!))).toEqual(["4", "9", "1", "none"]);
    expect(cls("bar2.colour", bars[slot("bar2.colour")]!)).toBe("green");
    expect(FACT_CLASSES).toBe(FACT_SLOTS.reduce((n, x) => n + x.classes.length, 0));
  });

  it("factLoss: mean over applicable slots of −log softmax, by hand on two images", () => {
    const logits = tf.tidy(() => tf.zeros([2, FACT_CLASSES]).add(tf.oneHot(tf.tensor1d([0, 1], "int32"), FACT_CLASSES).mul(Math.log(3)))) as tf.Tensor2D;
    // image 0: only "kind" applies, label 0, whose logit is ln 3 among 7 classes: p = 3 / (3 + 6) = 1/3
    // image 1: only "kind" applies, label 0, logits all 0 except class 1 (ln 3): p = 1 / (1 + 3 + 5) = 1/9
    const labels = new Int32Array(2 * FACT_SLOTS.length).fill(-1);
    labels[0] = 0;
    labels[FACT_SLOTS.length] = 0;
    const loss = factLoss(logits, labels);
    expect(loss.dataSync()[0]).toBeCloseTo((Math.log(3) + Math.log(9)) / 2, 5);
    tf.dispose([logits, loss]);
    expect(() => factLoss(tf.zeros([1, FACT_CLASSES]) as tf.Tensor2D, new Int32Array(3))).toThrow(/labels for 1 images/);
  });
});

describe("perceive stage", () => {
  let items: BatchItem[];
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    ({ items, tokenizer } = await microData(24));
  });

  it("updates only the vision encoder and the fact head, and lowers the fact loss on its data", async () => {
    const cfg = resolveMeteorConfig({ ...microConfigInput(tokenizer.vocabSize), factHead: true });
    const vars = initMeteorVariables(cfg, 0);
    expect(trainableParts("perceive", "meteor")).toEqual(["vision", "factHead"]);
    const images = items.filter((it) => it.pixels);
    const before = await evaluatePerception(cfg, vars, images, 8);
    const snap = Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, v.dataSync().slice()]));
    const trainer = new Trainer(cfg, vars, tokenizer, { train: items, validation: items }, {
      ...DEFAULT_TRAIN_OPTIONS, system: "meteor", seed: 0, batchSize: 8, warmupSteps: 0, evalEvery: 0, lr: 1e-2, steps: { perceive: 40, pretrain: 0, embed: 0, answer: 0 },
    });
    while (!trainer.finished) await trainer.step();
    const after = await evaluatePerception(cfg, vars, images, 8);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(before.accuracy);
    const moved = new Set(Object.keys(vars).filter((n) => vars[n]!.dataSync().some((x, i) => x !== snap[n]![i])).map(partOf));
    expect([...moved].sort()).toEqual(["factHead", "vision"]);
    // a pretrain after perceive keeps the encoder frozen (it has learnt to read)
    expect(trainableParts("pretrain", "mlm", { perceived: true })).not.toContain("vision");
    expect(trainableParts("pretrain", "mlm")).toContain("vision");
    tf.dispose(Object.values(vars));
  });

  it("a perception batch skips text-only items and refuses a batch with no image", () => {
    const b = buildPerceptionBatch(items.slice(0, 8));
    expect(b.images.count).toBe(items.slice(0, 8).filter((it) => it.pixels).length);
    expect(b.facts.length).toBe(b.images.count * FACT_SLOTS.length);
    expect(() => buildPerceptionBatch(items.filter((it) => !it.pixels))).toThrow(/needs items with an image/);
  });

  it("a briefly trained checkpoint reads its images: blank and shuffled images change the rationale loss and the answer logits", async () => {
    const cfg = resolveMeteorConfig({ ...microConfigInput(tokenizer.vocabSize), factHead: true, imageFeatureNorm: true, vision: { ...microConfigInput(0).vision, pixelMean: [0.9, 0.9, 0.9], pixelStd: [0.23, 0.23, 0.23] } });
    const vars = initMeteorVariables(cfg, 1);
    const images = items.filter((it) => it.pixels).slice(0, 8);
    const trainer = new Trainer(cfg, vars, tokenizer, { train: images, validation: images }, {
      ...DEFAULT_TRAIN_OPTIONS, system: "mlm", seed: 0, batchSize: 8, warmupSteps: 0, evalEvery: 0, lr: 1e-2, steps: { perceive: 30, pretrain: 60, embed: 0, answer: 0 },
    });
    while (!trainer.finished) await trainer.step();
    const loss = (its: BatchItem[]) => tf.tidy(() => batchLoss(cfg, vars, trainer.batchOf(its, "pretrain")).dataSync()[0]!);
    const real = loss(images);
    const blank = loss(withImages(images, "blank"));
    const shuffled = loss(withImages(images, "shuffled", 3));
    expect(real).toBeLessThan(blank - 0.05);
    expect(real).toBeLessThan(shuffled - 0.05);
    const logits = (its: BatchItem[]) =>
      tf.tidy(() => meteorLogits(structureParams(vars), cfg, buildBatch(its, tokenizer, { system: "mlm", stage: "answer", numTor: cfg.numTor, numPatches: cfg.vision.numPatches })).dataSync());
    const a = logits(images);
    const b = logits(withImages(images, "blank"));
    expect(Array.from(a as Float32Array).reduce((m: number, x: number, i: number) => Math.max(m, Math.abs(x - (b[i] as number))), 0)).toBeGreaterThan(1e-2);
    tf.dispose(Object.values(vars));
  });
});
