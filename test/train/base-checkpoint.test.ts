import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { saveCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";
import { resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables, partOf } from "../../src/lib/meteor/params.ts";
import { assignBase, loadBaseCheckpoint } from "../../src/lib/train/base-checkpoint.ts";
import { resolveRunConfig } from "../../src/lib/train/run-config.ts";
import { microConfigInput, microData } from "../meteor/fixtures.ts";

describe("base checkpoints", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("hand on vision, MLM vision projector, MLM and tokenizer; refuse a model of other sizes, naming the part", async () => {
    const { tokenizer } = await microData(4);
    const input = { ...microConfigInput(tokenizer.vocabSize), imageFeatureNorm: true };
    const cfg = resolveMeteorConfig(input);
    const baseVars = initMeteorVariables(cfg, 5);
    const dir = mkdtempSync(join(tmpdir(), "meteor-base-"));
    await saveCheckpoint(dir, { config: input, params: baseVars, tokenizer: tokenizer.toJSON() }, { step: 1 });
    const base = await loadBaseCheckpoint(dir);
    expect(new Set(Object.keys(base.weights).map(partOf))).toEqual(new Set(["vision", "mlmVisionProjector", "mlm"]));
    expect(base.tokenizer.vocabSize).toBe(tokenizer.vocabSize);
    const run = initMeteorVariables(cfg, 9);
    const own = Object.fromEntries(Object.entries(run).map(([n, v]) => [n, v.dataSync().slice()]));
    assignBase(base, cfg, run);
    for (const [n, v] of Object.entries(run)) {
      const fromBase = ["vision", "mlmVisionProjector", "mlm"].includes(partOf(n));
      const want = fromBase ? baseVars[n]!.dataSync() : own[n]!;
      expect(v.dataSync().every((x, i) => x === want[i]), n).toBe(true);
    }
    expect(Object.keys(run).some((n) => partOf(n) === "mlm" && own[n]!.some((x, i) => x !== baseVars[n]!.dataSync()[i]))).toBe(true);
    const other = resolveMeteorConfig({ ...input, mlm: { ...input.mlm, dModel: 32 } });
    const otherVars = initMeteorVariables(other, 0);
    expect(() => assignBase(base, other, otherVars)).toThrow(/its mlm config differs from the run's/);
    tf.dispose([...Object.values(base.weights), ...Object.values(baseVars), ...Object.values(run), ...Object.values(otherVars)]);
  });

  it("a run with a base has no pretrain stage: asking for one is a config error", () => {
    expect(resolveRunConfig({ preset: "study" }).base).toBe("data/checkpoints/study-base");
    expect(() => resolveRunConfig({ preset: "study", steps: { pretrain: 10 } })).toThrow(/run.base .* replaces the pretrain stage/);
    expect(resolveRunConfig({ preset: "study", base: null, steps: { pretrain: 10 } }).train.steps.pretrain).toBe(10);
    expect(() => resolveRunConfig({ preset: "study", base: "" })).toThrow(/run.base must be a checkpoint directory or null/);
  });
});
