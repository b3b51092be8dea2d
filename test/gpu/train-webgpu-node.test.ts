/**
 * The whole training graph on WebGPU in Node (Dawn on SwiftShader, `dawn.ts`): a micro
 * Meteor trained through all three stages on webgpu must follow its cpu trajectory from the
 * same weights and batches (`train-checks.ts`), and a step must leave no tensors behind.
 * This is what `meteor train` runs when Node finds a GPU, and the Train page with WebGPU.
 *
 * Without the software GPU the suite is skipped with a message, except under CI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { microConfig, microConfigInput, microData } from "../meteor/fixtures.ts";
import { useSoftwareWebGPU } from "./dawn.ts";
import { toPayload, trainTrajectory, trajectoryDifferences, trajectorySummary } from "./train-checks.ts";

const unavailable = await useSoftwareWebGPU();
if (unavailable && !process.env.CI) console.warn(`WebGPU (Dawn) training tests skipped: ${unavailable}`);

describe.runIf(unavailable !== null && process.env.CI)("WebGPU training under CI", () => {
  it("has a software GPU to run on", () => {
    throw new Error(`CI is set but the Dawn/SwiftShader GPU tests cannot run: ${unavailable}`);
  });
});

describe.skipIf(unavailable !== null)("Meteor training on WebGPU (Dawn, SwiftShader)", () => {
  it("follows the cpu trajectory through pretrain, embed and answer", async () => {
    const { items, tokenizer } = await microData(12);
    const payload = toPayload(items, tokenizer);
    expect(await tf.setBackend("cpu")).toBe(true);
    const cpu = await trainTrajectory(payload);
    expect(await tf.setBackend("webgpu")).toBe(true);
    // tfjs-webgpu runs ops on small CPU-resident tensors on the CPU; off, so every op is a GPU kernel
    tf.env().set("WEBGPU_CPU_FORWARD", false);
    const gpu = await trainTrajectory(payload).finally(() => tf.env().set("WEBGPU_CPU_FORWARD", true));
    console.log(trajectorySummary(gpu, cpu));
    expect(gpu.backend).toBe("webgpu");
    expect(gpu.losses).toHaveLength(9);
    expect(trajectoryDifferences(gpu, cpu)).toEqual([]);
    // the comparison can fail: a trajectory one step shorter, or a perturbed weight, differs
    expect(trajectoryDifferences({ ...gpu, losses: gpu.losses.slice(1) }, cpu)).not.toEqual([]);
    const [name, w] = Object.entries(gpu.weights)[0]!;
    expect(trajectoryDifferences({ ...gpu, weights: { ...gpu.weights, [name]: w.map((x, i) => (i === 0 ? x + 1e-3 : x)) } }, cpu)).not.toEqual([]);
  }, 300_000);

  it("saves a checkpoint of webgpu tensors without a synchronous read, and loads it back bit for bit", async () => {
    expect(await tf.setBackend("webgpu")).toBe(true);
    const { tokenizer } = await microData(2);
    const cfg = microConfig(tokenizer.vocabSize, 4);
    const forward = tf.env().getBool("WEBGPU_CPU_FORWARD");
    tf.env().set("WEBGPU_CPU_FORWARD", false); // every op on the GPU, however small its tensors
    const vars = initMeteorVariables(cfg, 3);
    for (const t of Object.values(vars)) t.assign(tf.tidy(() => t.mul(2))); // GPU-resident values, no host copy left
    const m = { "tor_proj.0.weight": tf.onesLike(vars["tor_proj.0.weight"]!) };
    const v = { "tor_proj.0.weight": tf.zerosLike(vars["tor_proj.0.weight"]!) };
    const dir = mkdtempSync(join(tmpdir(), "meteor-webgpu-ckpt-"));
    // a synchronous read of a GPU-resident tensor fails in Node (no OffscreenCanvas): saving must not make one, and did before readToHost
    const probe = tf.tidy(() => vars["tor_proj.0.weight"]!.mul(3));
    expect(() => probe.dataSync()).toThrow(/OffscreenCanvas/);
    probe.dispose();
    try {
      await saveCheckpoint(
        dir,
        {
          config: microConfigInput(tokenizer.vocabSize, 4),
          params: vars,
          tokenizer: tokenizer.toJSON(),
          optimizer: { step: 1, m, v },
        },
        { step: 1 },
      );
      const loaded = await loadCheckpoint(dir);
      for (const [n, t] of Object.entries(vars)) expect(Array.from(await loaded.params[n]!.data()), n).toEqual(Array.from(await t.data()));
      expect(Array.from(await loaded.optimizer!.m["tor_proj.0.weight"]!.data()).every((x) => x === 1)).toBe(true);
      tf.dispose([...Object.values(loaded.params), ...Object.values(loaded.optimizer!.m), ...Object.values(loaded.optimizer!.v)]);
    } finally {
      tf.env().set("WEBGPU_CPU_FORWARD", forward);
      tf.dispose([...Object.values(vars), ...Object.values(m), ...Object.values(v)]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
