import { describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { deserializeCheckpoint, serializeCheckpoint } from "../../src/lib/io/meteor-checkpoint-format.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainerState, type TrainOptions } from "../../src/lib/train/trainer.ts";
import { microConfig, microConfigInput, microData } from "./fixtures.ts";

describe("resuming a run", () => {
  it("N straight steps and N/2 + checkpoint round trip + N/2 give bitwise the same weights and losses (cpu)", async () => {
    await initBackend({ backend: "cpu" });
    const { items, tokenizer } = await microData(16);
    const cfg = microConfig(tokenizer.vocabSize);
    const options: TrainOptions = {
      ...DEFAULT_TRAIN_OPTIONS,
      system: "meteor",
      seed: 2,
      steps: { pretrain: 1, embed: 2, answer: 1 },
      batchSize: 4,
      warmupSteps: 1,
      evalEvery: 0,
    };
    const data = { train: items, validation: items };

    const straightVars = initMeteorVariables(cfg, 0);
    const straight = new Trainer(cfg, straightVars, tokenizer, data, options);
    while (!straight.finished) await straight.step();

    const firstVars = initMeteorVariables(cfg, 0);
    const first = new Trainer(cfg, firstVars, tokenizer, data, options);
    for (let i = 0; i < 2; i++) await first.step(); // stops inside the embed stage, with optimizer moments
    expect(first.optimizer.state.step).toBe(1);
    const files = serializeCheckpoint({
      config: microConfigInput(tokenizer.vocabSize),
      params: firstVars,
      tokenizer: tokenizer.toJSON(),
      optimizer: first.optimizer.state,
      state: first.state,
    });
    const loaded = deserializeCheckpoint(files);
    const resumedVars = initMeteorVariables(cfg, 99); // different init: everything must come from the checkpoint
    for (const [n, t] of Object.entries(loaded.params)) resumedVars[n]!.assign(t);
    tf.dispose(Object.values(loaded.params));
    const resumed = new Trainer(cfg, resumedVars, tokenizer, data, options, {
      state: loaded.state as TrainerState,
      ...(loaded.optimizer ? { optimizer: loaded.optimizer } : {}),
    });
    while (!resumed.finished) await resumed.step();

    expect(resumed.state.history.map((h) => h.loss)).toEqual(straight.state.history.map((h) => h.loss));
    for (const [n, v] of Object.entries(straightVars)) {
      const a = v.dataSync();
      const b = resumedVars[n]!.dataSync();
      expect(a.every((x, i) => x === b[i]), `parameter ${n} differs`).toBe(true);
    }
    tf.dispose([...Object.values(straightVars), ...Object.values(firstVars), ...Object.values(resumedVars)]);
    first.optimizer.dispose();
  });
});
