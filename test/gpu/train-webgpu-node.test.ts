/**
 * The whole training graph on WebGPU in Node (Dawn on SwiftShader, `dawn.ts`): a micro
 * Meteor trained through all three stages on webgpu must follow its cpu trajectory from the
 * same weights and batches (`train-checks.ts`), and a step must leave no tensors behind.
 * This is what `meteor train` runs when Node finds a GPU, and the Train page with WebGPU.
 *
 * Without the software GPU the suite is skipped with a message, except under CI.
 */
import { describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { microData } from "../meteor/fixtures.ts";
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
    const gpu = await trainTrajectory(payload);
    console.log(trajectorySummary(gpu, cpu));
    expect(gpu.backend).toBe("webgpu");
    expect(gpu.losses).toHaveLength(9);
    expect(trajectoryDifferences(gpu, cpu)).toEqual([]);
    // the comparison can fail: a trajectory one step shorter, or a perturbed weight, differs
    expect(trajectoryDifferences({ ...gpu, losses: gpu.losses.slice(1) }, cpu)).not.toEqual([]);
    const [name, w] = Object.entries(gpu.weights)[0]!;
    expect(trajectoryDifferences({ ...gpu, weights: { ...gpu.weights, [name]: w.map((x, i) => (i === 0 ? x + 1e-3 : x)) } }, cpu)).not.toEqual([]);
  }, 300_000);
});
