import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import type { Sample } from "../../src/lib/data/sample.ts";
import { resolveRunConfig } from "../../src/lib/train/run-config.ts";
import { runSamples, trainStream } from "../../src/lib/train/run-data.ts";
import { fitTemplatePrior, priorCorrect } from "../../src/lib/train/template-prior.ts";
import { DEFAULT_TRAIN_OPTIONS, STREAM_STAGE_STRIDE, Trainer, type TrainStream } from "../../src/lib/train/trainer.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import type { BatchItem, MeteorBatch } from "../../src/lib/meteor/batch.ts";
import { microConfig, microData } from "../meteor/fixtures.ts";

describe("template prior", () => {
  it("majority answer per (family, template), ties to the answer that sorts first; unseen templates are wrong", () => {
    const s = (template: string, answer: string, family = "chart" as const) => ({ family, template, answer });
    const prior = fitTemplatePrior([s("a", "3"), s("a", "3"), s("a", "5"), s("b", "7"), s("b", "2"), s("a", "9", "scene" as never)]);
    expect(prior.get("chart|a")).toBe("3");
    expect(prior.get("chart|b")).toBe("2"); // tie 1:1 → "2" < "7"
    expect(prior.get("scene|a")).toBe("9"); // same template name, other family: its own entry
    expect(priorCorrect(prior, [s("a", "3"), s("a", "5"), s("b", "2"), s("c", "3")])).toEqual([true, false, true, false]);
  });

  it("on generated data it beats uniform chance but stays far from perfect", () => {
    const train = generateDataset({ n: 2000, seed: 0 });
    const test = generateDataset({ n: 800, seed: 0, split: "test" });
    const acc = priorCorrect(fitTemplatePrior(train), test).filter(Boolean).length / test.length;
    expect(acc).toBeGreaterThan(0.1);
    expect(acc).toBeLessThan(0.35);
  });
});

describe("training stream", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("item i is sample i of the fixed training set; the same indices give the same items; tiers pass through", async () => {
    const run = resolveRunConfig({ preset: "tiny", trainSize: 12, dataSeed: 4, tiers: ["reasoning", "perception"] });
    const fixed = runSamples(run, "train");
    const stream = trainStream(run, 8);
    const a = await stream.items(0, 12);
    expect(a.map((it) => it.sample)).toEqual(fixed);
    const b = await trainStream(run, 8).items(5, 3);
    expect(b.map((it) => it.sample)).toEqual(fixed.slice(5, 8));
    expect(b[0]!.pixels ?? null).toEqual(a[5]!.pixels ?? null);
    const other = await trainStream({ ...run, seed: 1 }, 8).items(0, 4);
    expect(other.map((it) => (it.sample as Sample).question)).not.toEqual(a.slice(0, 4).map((it) => (it.sample as Sample).question)); // another seed, other samples
    const later = await stream.items(STREAM_STAGE_STRIDE, 4);
    expect(later.map((it) => (it.sample as Sample).id)).not.toEqual(a.slice(0, 4).map((it) => (it.sample as Sample).id));
  });

  it("a perception share sets the training mix, keeps the stream equal to the fixed training set, and leaves the test set alone", async () => {
    const both = ["reasoning", "perception"] as const;
    const run = resolveRunConfig({ preset: "tiny", trainSize: 3000, testSize: 400, dataSeed: 2, tiers: [...both], families: ["math-vision", "chart", "scene"], perceptionShare: 0.4 });
    const train = runSamples(run, "train");
    const perceptionShareOf = (xs: readonly Sample[]) => xs.filter((x) => x.tier === "perception").length / xs.length;
    expect(Math.abs(perceptionShareOf(train) - 0.4)).toBeLessThan(0.035); // 3000 Bernoulli(0.4) draws: sd 0.009
    expect(runSamples({ ...run, perceptionShare: 1 }, "train").every((x) => x.tier === "perception")).toBe(true);
    expect(runSamples({ ...run, perceptionShare: 0 }, "train").every((x) => x.tier === "reasoning")).toBe(true);
    // the test set keeps the uniform-over-templates mix, whatever the share
    expect(runSamples(run, "test")).toEqual(runSamples({ ...run, perceptionShare: null }, "test"));
    expect(perceptionShareOf(runSamples(run, "test"))).toBeLessThan(0.25);
    const streamed = await trainStream(run, 8).items(0, 6);
    expect(streamed.map((it) => it.sample)).toEqual(train.slice(0, 6));
    // math-text has no perception tier: it draws reasoning questions at any share
    const text = runSamples(resolveRunConfig({ preset: "tiny", trainSize: 20, validationSize: 4, testSize: 4, tiers: [...both], families: ["math-text"], perceptionShare: 1 }), "train");
    expect(text.every((x) => x.family === "math-text" && x.tier === "reasoning")).toBe(true);
  });

  it("a perception share needs both tiers and a number in [0, 1]", () => {
    expect(() => resolveRunConfig({ preset: "tiny", perceptionShare: 0.5 })).toThrow(/perceptionShare mixes the two tiers.*\[reasoning\]/);
    expect(() => resolveRunConfig({ preset: "tiny", tiers: ["reasoning", "perception"], perceptionShare: 1.5 })).toThrow(/perceptionShare must be a number in \[0, 1\]/);
    expect(() => resolveRunConfig({ preset: "tiny", tiers: ["reasoning", "perception"], perceptionShare: "x" as never })).toThrow(/perceptionShare/);
    expect(resolveRunConfig({ preset: "tiny" }).perceptionShare).toBeNull();
  });

  it("the trainer reads step s of a stage from items s·B… of its own stretch, and marks 1 − share of step-1 items embedAnswer", async () => {
    const { items, tokenizer } = await microData(8);
    const calls: [number, number][] = [];
    const stream: TrainStream = {
      kind: "stream",
      async items(start, count) {
        calls.push([start, count]);
        return Array.from({ length: count }, (_, k) => items[(start + k) % items.length]!) as BatchItem[];
      },
    };
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 0);
    const opts = { ...DEFAULT_TRAIN_OPTIONS, system: "meteor" as const, seed: 2, steps: { pretrain: 2, embed: 2, answer: 1 }, batchSize: 4, rationaleShare: 0.5 };
    const trainer = new Trainer(cfg, vars, tokenizer, { train: stream, validation: items }, opts);
    for (let i = 0; i < 5; i++) await trainer.step();
    expect(calls).toEqual([[0, 4], [4, 4], [STREAM_STAGE_STRIDE, 4], [STREAM_STAGE_STRIDE + 4, 4], [2 * STREAM_STAGE_STRIDE, 4]]);
    const b = (await trainer.batchFor("embed", 7)) as MeteorBatch;
    const again = (await trainer.batchFor("embed", 7)) as MeteorBatch;
    expect(Array.from(b.mlm.ids)).toEqual(Array.from(again.mlm.ids));
    expect(() => trainer.usableItems("answer")).toThrow(/reads a stream/);
    // share 0: every step-1 item embeds its answer — "{answer} <tor>×N" is far shorter than a rationale
    const answersOnly = new Trainer(cfg, vars, tokenizer, { train: stream, validation: items }, { ...opts, rationaleShare: 0 });
    const e = (await answersOnly.batchFor("embed", 0)) as MeteorBatch;
    expect(Math.max(...e.mamba!.lengths)).toBeLessThan(cfg.numTor + 40);
    expect(Math.min(...b.mamba!.lengths)).toBeGreaterThan(0);
    const full = new Trainer(cfg, vars, tokenizer, { train: stream, validation: items }, { ...opts, rationaleShare: 1 });
    expect(Math.min(...((await full.batchFor("embed", 0)) as MeteorBatch).mamba!.lengths)).toBeGreaterThan(Math.max(...e.mamba!.lengths));
    tf.dispose(Object.values(vars));
  });

  it("run config: trainData and tiers are checked and default to the fixed set and the reasoning tier", () => {
    const r = resolveRunConfig({ preset: "tiny", trainData: "fixed" });
    expect(r.tiers).toEqual(["reasoning"]);
    expect(() => resolveRunConfig({ preset: "tiny", trainData: "river" as never })).toThrow(/run.trainData must be "fixed" or "stream"/);
    expect(() => resolveRunConfig({ preset: "tiny", tiers: ["vision"] as never })).toThrow(/run.tiers must be a non-empty list of distinct tiers/);
    expect(() => resolveRunConfig({ preset: "tiny", tiers: [] })).toThrow(/run.tiers/);
  });
});
