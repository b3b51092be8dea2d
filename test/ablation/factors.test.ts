/** Each factor changes what it claims to, through the run config a cell resolves to. */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { planCells, type PlannedCell } from "../../src/lib/ablation/plan.ts";
import { matchedTransformerConfig } from "../../src/lib/embedder/config.ts";
import { transformerEmbedderHidden } from "../../src/lib/embedder/model.ts";
import { countTransformerEmbedderParams, initTransformerEmbedderParams } from "../../src/lib/embedder/params.ts";
import { countMambaParams } from "../../src/lib/mamba/params.ts";
import { countMeteorParams, meteorPreset, resolveMeteorConfig } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { meteorLogits } from "../../src/lib/meteor/model.ts";
import { structureParams } from "../../src/lib/meteor/params.ts";
import { TOR_TOKEN, mlmTarget, rationaleThenAnswer } from "../../src/lib/meteor/prompts.ts";
import { meteorConfigInputOf, resolveRunConfig } from "../../src/lib/train/run-config.ts";
import { Trainer } from "../../src/lib/train/trainer.ts";
import { evaluate } from "../../src/lib/train/evaluate.ts";
import type { Tokenizer } from "../../src/lib/data/tokenizer.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { microData } from "../meteor/fixtures.ts";
import { MICRO_BASE } from "./micro.ts";

const plan = planCells({ preset: "tiny", seeds: 1, base: MICRO_BASE });
const cellOf = (factor: string, variant: string): PlannedCell => plan.cells.find((c) => c.labels.some((l) => l.factor === factor && l.variant === variant))!;

let data: { items: BatchItem[]; tokenizer: Tokenizer };
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  data = await microData(24);
});

/** A trainer for the cell's run on the micro data (no training). */
function trainerOf(cell: PlannedCell): { trainer: Trainer; vars: Record<string, tf.Variable> } {
  const run = resolveRunConfig(cell.run);
  const cfg = resolveMeteorConfig(meteorConfigInputOf(run, data.tokenizer.vocabSize));
  const vars = initMeteorVariables(cfg, 0);
  return { trainer: new Trainer(cfg, vars, data.tokenizer, { train: data.items, validation: data.items }, run.train), vars };
}

/** Row i's Mamba tokens, decoded. */
function mambaTokens(trainer: Trainer, i: number): string[] {
  const b = trainer.batchAt("embed", 0).mamba!;
  const ids = Array.from(b.ids.slice(i * b.length, i * b.length + b.lengths[i]!));
  return ids.map((id) => data.tokenizer.decode([id]).trim());
}

describe("what each factor changes", () => {
  it("placement 'end' puts every <tor> after the rationale; 'even' spreads them", () => {
    const { trainer, vars } = trainerOf(cellOf("tor_position", "end"));
    const toks = mambaTokens(trainer, 0);
    const tors = toks.flatMap((t, i) => (t === TOR_TOKEN ? [i] : []));
    expect(tors.length).toBe(10);
    const lastWord = tors[0]! - 1;
    expect(tors).toEqual(Array.from({ length: 10 }, (_, k) => lastWord + 1 + k)); // one run, right after the last rationale word
    tf.dispose(Object.values(vars));
    const even = trainerOf(cellOf("tor_position", "even"));
    const evenTors = mambaTokens(even.trainer, 0).flatMap((t, i) => (t === TOR_TOKEN ? [i] : []));
    expect(evenTors[1]! - evenTors[0]!).toBeGreaterThan(1);
    tf.dispose(Object.values(even.vars));
  });

  it("numTor 15 gives 15 <tor> positions in both sequences", () => {
    const { trainer, vars } = trainerOf(cellOf("tor_count", "15"));
    expect(trainer.cfg.numTor).toBe(15);
    const b = trainer.batchAt("embed", 0);
    const rows = (idx: Int32Array, l: number) => Array.from({ length: b.size }, (_, i) => idx.slice(i * l, (i + 1) * l).filter((j) => j >= 0).length);
    expect(rows(b.mamba!.torIndex!, b.mamba!.length)).toEqual(Array(b.size).fill(15));
    expect(rows(b.mlm.torIndex!, b.mlm.length)).toEqual(Array(b.size).fill(15));
    tf.dispose(Object.values(vars));
  });

  it("embedder gpt is causal and bert bidirectional: perturbing a later token moves earlier outputs only for bert", () => {
    for (const kind of ["gpt", "bert"] as const) {
      const cfg = resolveMeteorConfig(meteorConfigInputOf(resolveRunConfig(cellOf("embedder", kind).run), 64)).transformer!;
      expect(cfg.causal).toBe(kind === "gpt");
      const params = initTransformerEmbedderParams(cfg, 1);
      const l = 6;
      const x = tf.randomNormal([2, l, cfg.dModel], 0, 1, "float32", 3) as tf.Tensor3D;
      // a random change of token 4 only (a constant shift would vanish in the LayerNorms)
      const bump = tf.tidy(() => tf.randomNormal([2, l, cfg.dModel], 0, 1, "float32", 9).mul(tf.oneHot(tf.tensor1d([4], "int32"), l).reshape([1, l, 1])) as tf.Tensor3D);
      const before = tf.memory().numTensors;
      const a = transformerEmbedderHidden(params, cfg, x);
      expect(tf.memory().numTensors).toBe(before + 1);
      const y = x.add(bump) as tf.Tensor3D;
      const b = transformerEmbedderHidden(params, cfg, y);
      const diff = tf.tidy(() => a.sub(b).abs().max(-1).max(0).arraySync() as number[]); // [l]
      for (let t = 0; t < 4; t++) (kind === "gpt" ? expect(diff[t]).toBe(0) : expect(diff[t]).toBeGreaterThan(1e-4));
      expect(diff[4]).toBeGreaterThan(1e-4);
      tf.dispose([a, b, x, y, bump, ...Object.values(params)]);
    }
  });

  it("bert ignores right padding: a row's valid outputs do not depend on what pads it", () => {
    const cfg = matchedTransformerConfig("bert", meteorPreset("tiny").mamba);
    const params = initTransformerEmbedderParams(cfg, 2);
    const x = tf.randomNormal([1, 5, cfg.dModel], 0, 1, "float32", 4) as tf.Tensor3D;
    const padded = tf.concat([x, tf.randomNormal([1, 3, cfg.dModel], 0, 1, "float32", 5)], 1) as tf.Tensor3D;
    const a = transformerEmbedderHidden(params, cfg, x);
    const b = transformerEmbedderHidden(params, cfg, padded, { lengths: Int32Array.from([5]) });
    const err = tf.tidy(() => a.sub(b.slice([0, 0, 0], [1, 5, cfg.dModel])).abs().max().dataSync()[0]!);
    expect(err).toBeLessThan(1e-5);
    tf.dispose([x, padded, a, b, ...Object.values(params)]);
  });

  it("gpt and bert embedders match the Mamba's parameter count within 10% at every preset", () => {
    for (const name of ["tiny", "small", "meteor-7b"]) {
      const mamba = meteorPreset(name).mamba;
      for (const kind of ["gpt", "bert"] as const) {
        const n = countTransformerEmbedderParams(matchedTransformerConfig(kind, mamba));
        expect(Math.abs(n / countMambaParams(mamba) - 1), `${name} ${kind}`).toBeLessThan(0.1);
      }
    }
    const gptCfg = resolveMeteorConfig({ ...meteorConfigInputOf(resolveRunConfig(cellOf("embedder", "gpt").run), 300) });
    expect(countMeteorParams(gptCfg).mamba).toBe(countTransformerEmbedderParams(gptCfg.transformer!));
  });

  it("a gpt Meteor runs forward with no tensor left behind and saves its embedder as embedder.*", () => {
    const { trainer, vars } = trainerOf(cellOf("embedder", "gpt"));
    expect(Object.keys(vars).some((n) => n.startsWith("mamba."))).toBe(false);
    expect(Object.keys(vars).filter((n) => n.startsWith("embedder.")).length).toBeGreaterThan(10);
    const batch = trainer.batchAt("answer", 0);
    const before = tf.memory().numTensors;
    const logits = meteorLogits(structureParams(vars), trainer.cfg, batch);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(vars));
  });

  it("'Mamba only' (share 0%): step 1 embeds and targets the answer, never the rationale", () => {
    const { trainer, vars } = trainerOf(cellOf("mamba_x_rationale", "mamba"));
    expect(trainer.options.rationaleShare).toBe(0);
    const b = trainer.batchAt("embed", 0);
    for (let i = 0; i < b.size; i++) {
      const toks = mambaTokens(trainer, i);
      const first = toks.indexOf(TOR_TOKEN);
      const targets = Array.from(b.mlm.targets!.slice(i * b.mlm.length, (i + 1) * b.mlm.length)).filter((t) => t >= 0);
      const text = data.tokenizer.decode(targets).replace("<|im_end|>", "").trim();
      const item = trainer.usableItems("embed").find((it) => it.sample.answer === text);
      expect(item, `row ${i} target "${text}" is an answer`).toBeDefined();
      expect(toks[first - 1]).toBe(text); // the answer, right before the <tor>s
      expect(toks.filter((t) => t === TOR_TOKEN).length).toBe(10);
    }
    expect(trainer.usableItems("embed").every((it) => it.embedAnswer)).toBe(true);
    tf.dispose(Object.values(vars));
  });

  it("share 30% marks 30% of the step-1 samples as rationale pairs, 90% (the full model) 90%", () => {
    for (const [variant, share] of [["0.3", 0.3], ["0.9", 0.9]] as const) {
      const { trainer, vars } = trainerOf(cellOf("step1_rationale_share", variant));
      const items = trainer.stepOneItems();
      expect(items.filter((it) => !it.embedAnswer).length).toBe(Math.round(share * data.items.length));
      tf.dispose(Object.values(vars));
    }
  });

  it("'rationale only' trains the MLM on rationale then answer, and scores the answer after its own rationale", async () => {
    const { trainer, vars } = trainerOf(cellOf("mamba_x_rationale", "rationale"));
    expect(trainer.stages).toEqual(["pretrain", "answer"]);
    const b = trainer.batchAt("answer", 0);
    expect(b.mamba).toBeUndefined();
    const targets = Array.from(b.mlm.targets!.slice(0, b.mlm.length)).filter((t) => t >= 0);
    const expected = trainer.usableItems("answer").map((it) => data.tokenizer.encode(mlmTarget(rationaleThenAnswer(it.sample.rationale, it.sample.answer))));
    expect(expected).toContainEqual(targets);
    const before = tf.memory().numTensors;
    const r = await evaluate(trainer.cfg, vars, data.tokenizer, data.items.slice(0, 2), { system: "rationale", batchSize: 2, maxRationaleTokens: 4 });
    expect(r.n).toBe(2);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(vars));
  });

  it("the neither cell is the MLM alone, and backbone sizes differ in parameter count", () => {
    expect(resolveRunConfig(cellOf("mamba_x_rationale", "neither").run).system).toBe("mlm");
    const mlmParams = (v: string) => countMeteorParams(resolveMeteorConfig(meteorConfigInputOf(resolveRunConfig(planCells({ preset: "tiny", seeds: 1 }).cells.find((c) => c.labels.some((l) => l.factor === "backbone" && l.variant === v))!.run), 400))).mlm;
    const [s, m, l] = ["small", "preset", "large"].map(mlmParams);
    expect(s).toBeLessThan(m!);
    expect(m).toBeLessThan(l!);
  });
});
