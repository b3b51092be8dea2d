import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { buildBatch } from "../../src/lib/meteor/batch.ts";
import { generate } from "../../src/lib/meteor/generate.ts";
import { encodeImages, mlmInputEmbeddings, torFeatures } from "../../src/lib/meteor/model.ts";
import { initMeteorVariables, partOf, structureParams } from "../../src/lib/meteor/params.ts";
import { mlmBackbone, mlmEmbed, mlmHead } from "../../src/lib/mlm/model.ts";
import type { Tokenizer } from "../../src/lib/data/tokenizer.ts";
import { NonFiniteLossError } from "../../src/lib/train/step.ts";
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions } from "../../src/lib/train/trainer.ts";
import { microConfig, microData } from "./fixtures.ts";

const snapshot = (vars: Record<string, tf.Variable>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
const changed = (a: Float32Array, b: Float32Array) => a.some((x, i) => x !== b[i]);

describe("Meteor training", () => {
  let items: BatchItem[];
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    ({ items, tokenizer } = await microData(24));
  });

  const options = (o: Partial<TrainOptions>): TrainOptions => ({
    ...DEFAULT_TRAIN_OPTIONS,
    system: "meteor",
    seed: 1,
    steps: { pretrain: 0, embed: 0, answer: 0 },
    batchSize: 4,
    warmupSteps: 0,
    evalEvery: 0,
    ...o,
  });

  it("step 1 updates the Mamba and its projectors but not the MLM (or its vision projector) or the vision encoder; step 2 updates all but vision", async () => {
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 0);
    const trainer = new Trainer(cfg, vars, tokenizer, { train: items, validation: items }, options({ steps: { pretrain: 0, embed: 1, answer: 1 } }));
    const before = snapshot(vars);
    expect((await trainer.step()).stage).toBe("embed");
    const afterEmbed = snapshot(vars);
    const movedBy = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => {
      const parts: Record<string, boolean> = {};
      for (const n of Object.keys(a)) parts[partOf(n)] = (parts[partOf(n)] ?? false) || changed(a[n]!, b[n]!);
      return parts;
    };
    expect(movedBy(before, afterEmbed)).toEqual({
      vision: false,
      mlm: false,
      mlmVisionProjector: false,
      mambaVisionProjector: true,
      mamba: true,
      torProjector: true,
    });
    expect((await trainer.step()).stage).toBe("answer");
    expect(movedBy(afterEmbed, snapshot(vars))).toEqual({
      vision: false,
      mlm: true,
      mlmVisionProjector: true,
      mambaVisionProjector: true,
      mamba: true,
      torProjector: true,
    });
    trainer.optimizer.dispose();
    tf.dispose(Object.values(vars));
  });

  it("a short run's loss falls, and a step leaves no tensors behind", async () => {
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 0);
    const trainer = new Trainer(cfg, vars, tokenizer, { train: items, validation: items }, options({ steps: { pretrain: 0, embed: 0, answer: 40 }, lr: 1e-2 }));
    await trainer.step(); // optimizer moments allocated
    const before = tf.memory().numTensors;
    await trainer.step();
    expect(tf.memory().numTensors).toBe(before);
    while (!trainer.finished) await trainer.step();
    const losses = trainer.state.history.map((h) => h.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.6 * mean(losses.slice(0, 5)));
    tf.dispose(Object.values(vars));
  });

  it("a diverging run stops with a clear error before applying the bad step", async () => {
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 0);
    const trainer = new Trainer(cfg, vars, tokenizer, { train: items, validation: items }, options({ steps: { pretrain: 0, embed: 0, answer: 50 }, lr: 1e6, clipNorm: 1e30 }));
    let error: unknown;
    let last: Record<string, Float32Array> = snapshot(vars);
    try {
      for (;;) {
        last = snapshot(vars);
        await trainer.step();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(/not applied/);
    // the weights are those before the failing step
    for (const [n, v] of Object.entries(vars)) expect(changed(v.dataSync() as Float32Array, last[n]!)).toBe(false);
    trainer.optimizer.dispose();
    tf.dispose(Object.values(vars));
  });
});

describe("Meteor generation", () => {
  it("greedy decoding with the KV cache equals argmax over full recomputation", async () => {
    await initBackend({ backend: "wasm" });
    const { items, tokenizer } = await microData(2, "test");
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 5);
    const params = structureParams(vars);
    const item = items[0]!;
    const before = tf.memory().numTensors;
    const got = await generate(params, cfg, tokenizer, item, { system: "meteor", beams: 1, maxTokens: 6 });
    const beam = await generate(params, cfg, tokenizer, item, { system: "meteor", beams: 3, maxTokens: 6 });
    expect(tf.memory().numTensors).toBe(before);
    expect(beam.logProb / (beam.ids.length + 1)).toBeGreaterThanOrEqual(got.logProb / (got.ids.length + 1) - 1e-4);

    // reference: no cache, the whole sequence recomputed for every new token
    const batch = buildBatch([item], tokenizer, { system: "meteor", stage: "prompt", numTor: cfg.numTor, numPatches: cfg.vision.numPatches });
    const prompt = tf.tidy(() => mlmInputEmbeddings(params, cfg, batch, encodeImages(params, cfg, batch), torFeatures(params, cfg, batch, encodeImages(params, cfg, batch))));
    const ids: number[] = [];
    const end = tokenizer.id("<|im_end|>");
    for (let i = 0; i < 6; i++) {
      const next = tf.tidy(() => {
        const x = ids.length ? tf.concat([prompt, mlmEmbed(params.mlm, cfg.mlm, tf.tensor2d([ids], [1, ids.length], "int32"))], 1) : prompt;
        const { hidden } = mlmBackbone(params.mlm, cfg.mlm, x as tf.Tensor3D);
        const l = hidden.shape[1];
        return mlmHead(params.mlm, hidden.slice([0, l - 1, 0], [1, 1, cfg.mlm.dModel]) as tf.Tensor3D).argMax(-1).dataSync()[0]!;
      });
      if (next === end) break;
      ids.push(next);
    }
    prompt.dispose();
    expect(got.ids).toEqual(ids);
    tf.dispose(Object.values(vars));
  });
});
