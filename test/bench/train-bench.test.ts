/**
 * The training and scaling benches' pure helpers (token counting, shape extraction, the
 * exponent fit and the memory guard's prediction), and the PyTorch peer: it runs on tiny
 * shapes, and on our weights and batch it computes our loss. No timing is asserted.
 * The peer tests skip when /usr/bin/python3 (or METEOR_PYTHON) lacks torch, except under CI.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { buildBatch, type BatchItem } from "../../src/lib/meteor/batch.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { placeTor } from "../../src/lib/data/insert-tor.ts";
import type { Tokenizer } from "../../src/lib/data/tokenizer.ts";
import { backboneParams, fitExponent, predictNext, scalingModels } from "../../bench/scaling.ts";
import { checkPeer, peerBatch, peerWeights, runPeer, stepPositions, stepShape, throughput, torchUnavailable, type StepShape } from "../../bench/train.ts";
import { microConfig, microConfigInput, microData } from "../meteor/fixtures.ts";
import { resolveMeteorConfig, type MeteorConfig } from "../../src/lib/meteor/config.ts";
import { batchLoss } from "../../src/lib/train/step.ts";

const PYTHON = process.env["METEOR_PYTHON"] ?? "/usr/bin/python3";


/** A Meteor batch of `items` for `stage` with the config's <tor> placed evenly. */
function evenTorBatch(items: BatchItem[], tokenizer: Tokenizer, cfg: MeteorConfig, stage: "answer" | "embed") {
  return buildBatch(items, tokenizer, {
    system: "meteor",
    stage,
    numTor: cfg.numTor,
    numPatches: cfg.vision.numPatches,
    placeTor: (r) => placeTor(r, { count: cfg.numTor, placement: "even", seed: 0 }),
  });
}

describe("train bench helpers", () => {
  let items: BatchItem[];
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    ({ items, tokenizer } = await microData(6));
  });

  const batchOf = (stage: "answer" | "embed") => evenTorBatch(items, tokenizer, microConfig(tokenizer.vocabSize), stage); // 10 <tor>

  it("reads a batch's shapes from its arrays", () => {
    const answer = batchOf("answer");
    const s = stepShape(answer);
    expect(s.batch).toBe(items.length);
    expect(s.mambaLength).toBe(answer.mamba!.ids.length / items.length);
    expect(s.mlmLength).toBe(answer.mlm.ids.length / items.length);
    expect(s.images).toBe(items.filter((it) => it.pixels).length);
    expect(s.images).toBeGreaterThan(0);
    expect(s.targets).toBe(answer.mlm.targets!.filter((t) => t >= 0).length);
    expect(s.mlmImages).toBe(true); // step 2: the MLM sees the image
    const embed = stepShape(batchOf("embed"));
    expect(embed.mlmImages).toBe(false); // step 1: the MLM sees only the <tor> features
    expect(embed.mambaLength).toBeGreaterThan(s.mambaLength); // the rationale is in the Mamba's input
  });

  it("counts padded Mamba and MLM positions, and their rate", () => {
    const a: StepShape = { batch: 4, mambaLength: 30, mlmLength: 20, images: 2, mlmImages: true, targets: 8 };
    const b: StepShape = { ...a, batch: 2, mambaLength: 50 };
    expect(stepPositions(a)).toBe(200);
    expect(stepPositions(b)).toBe(140);
    const t = throughput([a, b], [100, 240]);
    expect(t.msPerStep).toBe(170);
    expect(t.tokensPerSec).toBeCloseTo(340 / 0.34, 9);
    expect(() => throughput([a], [1, 2])).toThrow(/1 shapes for 2 step times/);
  });
});

describe("scaling bench helpers", () => {
  it("fits the exponent of a power law", () => {
    const xs = [128, 256, 512, 1024];
    expect(fitExponent(xs, xs.map((x) => 3 * x ** 1.5))).toBeCloseTo(1.5, 12);
    expect(fitExponent(xs, xs.map((x) => 0.01 * x * x))).toBeCloseTo(2, 12);
    expect(fitExponent([256, 512, 1024], [50, 50, 50])).toBe(0); // fixed cost only
    expect(() => fitExponent([1], [1])).toThrow(/two or more/);
  });

  it("predicts the next point between linear and quadratic growth", () => {
    expect(predictNext(undefined, { length: 128, value: 10 }, 256)).toBe(40); // no history: assume quadratic
    expect(predictNext({ length: 128, value: 10 }, { length: 256, value: 20 }, 512)).toBeCloseTo(40, 9); // linear
    expect(predictNext({ length: 128, value: 10 }, { length: 256, value: 80 }, 512)).toBeCloseTo(320, 9); // cubic clamped to quadratic
    expect(predictNext({ length: 128, value: 10 }, { length: 256, value: 11 }, 512)).toBeCloseTo(22, 9); // fixed costs: at least linear
  });

  it("matches the attention embedder's parameters to the Mamba's within 10%", () => {
    const models = scalingModels();
    const p = backboneParams(models);
    expect(models.attention.dModel).toBe(models.mamba.dModel);
    expect(Math.abs(p.attention / p.mamba - 1)).toBeLessThan(0.1);
  });
});

describe("torch peer", () => {
  const missing = torchUnavailable(PYTHON);
  const skip = missing !== null && !process.env["CI"];
  if (skip) console.warn(`skipping the torch peer tests: ${missing}`);

  it.skipIf(skip)("runs a forward on tiny shapes and returns a finite loss", async () => {
    const cfg = microConfig(60);
    const shape: StepShape = { batch: 2, mambaLength: 20, mlmLength: 24, images: 1, mlmImages: true, targets: 4 };
    const r = await runPeer(PYTHON, { mode: "loss", config: cfg, stage: "answer", threads: 1, warmup: [], steps: [shape] }, () => {});
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.loss!).toBeGreaterThan(0);
  });

  it.skipIf(skip)("times an sgemm and names the BLAS torch loaded", async () => {
    const r = await runPeer(PYTHON, { mode: "sgemm", config: microConfig(60), stage: "answer", threads: 1, warmup: [], steps: [], n: 256 }, () => {});
    expect(r.gflops!).toBeGreaterThan(0);
    expect(["openblas", "reference", "mkl", "blis", "unknown"]).toContain(r.blas);
    expect(r.blasPath.length).toBeGreaterThan(0);
  });

  it.skipIf(skip)("its pscan peer computes our loss too, on odd lengths (no padding to a power of two)", async () => {
    await initBackend({ backend: "wasm" });
    const { items, tokenizer } = await microData(3);
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 6);
    try {
      const batch = evenTorBatch(items, tokenizer, cfg, "answer");
      expect(batch.mamba!.length & (batch.mamba!.length - 1), "a power-of-two length would not test the odd case").not.toBe(0);
      const ours = tf.tidy(() => batchLoss(cfg, vars, batch).dataSync()[0]!);
      const r = await runPeer(PYTHON, { mode: "check", config: cfg, stage: "answer", threads: 1, scan: "pscan", warmup: [], steps: [], weights: peerWeights(vars), batch: peerBatch(batch) }, () => {});
      expect(Math.abs(r.loss! - ours)).toBeLessThanOrEqual(1e-4 * Math.abs(ours) + 1e-5);
    } finally {
      tf.dispose(Object.values(vars));
    }
  });

  it.skipIf(skip)("computes our loss with the presets' pixel statistics, normed image projectors and fact head (skipped by the peer)", async () => {
    await initBackend({ backend: "wasm" });
    const { items, tokenizer } = await microData(3);
    const input = microConfigInput(tokenizer.vocabSize);
    // pixel statistics far from CLIP's defaults, so a peer that skipped the normalisation would differ
    const vision = { ...input.vision!, pixelMean: [0.9, 0.8, 0.95], pixelStd: [0.05, 0.1, 0.02] };
    const cfg = resolveMeteorConfig({ ...input, vision, imageFeatureNorm: true, factHead: true });
    const vars = initMeteorVariables(cfg, 8);
    try {
      const batch = evenTorBatch(items, tokenizer, cfg, "answer");
      const { ours, torch } = await checkPeer(PYTHON, cfg, "answer", vars, batch, () => {}); // throws when they differ
      expect(Math.abs(torch - ours)).toBeLessThanOrEqual(1e-4 * Math.abs(ours) + 1e-5);
    } finally {
      tf.dispose(Object.values(vars));
    }
  });

  it.skipIf(skip)("computes our loss from our weights and batch, in both stages", async () => {
    await initBackend({ backend: "wasm" });
    const { items, tokenizer } = await microData(4);
    const cfg = microConfig(tokenizer.vocabSize);
    const vars = initMeteorVariables(cfg, 5);
    try {
      for (const stage of ["answer", "embed"] as const) {
        const batch = evenTorBatch(items, tokenizer, cfg, stage);
        const { ours, torch } = await checkPeer(PYTHON, cfg, stage, vars, batch, () => {}); // throws when they differ
        expect(Math.abs(torch - ours)).toBeLessThanOrEqual(1e-4 * Math.abs(ours) + 1e-5);
        // and the comparison can fail: the Mamba's final norm changed on the torch side only
        const weights = peerWeights(vars);
        const name = "mamba.backbone.norm_f.weight";
        const scaled = vars[name]!.mul(5);
        weights[name] = peerWeights({ [name]: scaled })[name]!;
        scaled.dispose();
        const off = await runPeer(PYTHON, { mode: "check", config: cfg, stage, threads: 1, warmup: [], steps: [], weights, batch: peerBatch(batch) }, () => {});
        expect(Math.abs(off.loss! - ours)).toBeGreaterThan(10 * (1e-4 * Math.abs(ours) + 1e-5));
      }
    } finally {
      tf.dispose(Object.values(vars));
    }
  });
});
