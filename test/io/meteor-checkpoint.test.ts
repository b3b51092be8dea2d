/**
 * Meteor checkpoints: bytes and directories round trip bit for bit (weights, AdamW state,
 * tokenizer and training JSON); every kind of damage gives a CheckpointError naming the
 * file and the problem, with no tensors left behind; `keep` prunes; stale temporary
 * directories are removed; a save interrupted at any stage leaves the previous checkpoint
 * loadable; re-saving a step replaces it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { ConfigError } from "../../src/lib/mamba/config.ts";
import { METEOR_PRESETS, resolveMeteorConfig, type MeteorConfigInput } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables, meteorParamShapes } from "../../src/lib/meteor/params.ts";
import { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorInput } from "../../src/lib/io/safetensors.ts";
import type { AdamWState } from "../../src/lib/train/adamw.ts";
import {
  CHECKPOINT_FILES as F,
  CheckpointError,
  deserializeCheckpoint,
  loadCheckpoint,
  readToHost,
  saveCheckpoint,
  serializeCheckpoint,
  type LoadedMeteorCheckpoint,
  type MeteorCheckpoint,
} from "../../src/lib/io/meteor-checkpoint.ts";

const INPUT: MeteorConfigInput = { ...METEOR_PRESETS.tiny, vocabSize: 40 };
const CONFIG = resolveMeteorConfig(INPUT);
const TOKENIZER = { kind: "char", specials: ["<pad>", "<bos>", "<eos>"], pieces: ["a", "b", "é", "😀"], merges: [] };
const STATE = { stage: 2, step: 120, cursor: { epoch: 1, index: 17 }, rng: [1, 2, 3, 4], losses: [3.25, 2.5, 2.125] };
const TRAINING = { stages: [{ name: "stage1", steps: 100, lr: 1e-3 }], batchSize: 4 };

let params: Record<string, tf.Variable>;
let paramsB: Record<string, tf.Variable>;
let optimizer: AdamWState;
let ckpt: MeteorCheckpoint;
let good: Map<string, Uint8Array>;
let dir: string;

/** AdamW state for the Mamba part only, as after a stage that trains just it. */
function optimizerFor(p: Record<string, tf.Tensor>, step: number): AdamWState {
  const state: AdamWState = { step, m: {}, v: {} };
  let seed = 7;
  for (const [name, t] of Object.entries(p)) {
    if (!name.startsWith("mamba.")) continue;
    state.m[name] = tf.randomNormal(t.shape, 0, 0.01, "float32", seed++);
    state.v[name] = tf.randomUniform(t.shape, 0, 1e-4, "float32", seed++);
  }
  return state;
}

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  params = initMeteorVariables(CONFIG, 1);
  paramsB = initMeteorVariables(CONFIG, 2);
  optimizer = optimizerFor(params, 120);
  ckpt = { config: INPUT, training: TRAINING, params, tokenizer: TOKENIZER, optimizer, state: STATE };
  good = serializeCheckpoint(ckpt);
});

afterAll(() => {
  tf.dispose([...Object.values(params), ...Object.values(paramsB), ...Object.values(optimizer.m), ...Object.values(optimizer.v)]);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "meteor-ckpt-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bits = (t: tf.Tensor): Buffer => Buffer.from(new Float32Array(t.dataSync()).buffer);

function expectSameTensors(got: Record<string, tf.Tensor>, want: Record<string, tf.Tensor>, what: string): void {
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) {
    expect(got[name]!.dtype, `${what} ${name}`).toBe("float32");
    expect(got[name]!.shape, `${what} ${name}`).toEqual(t.shape);
    expect(bits(got[name]!).equals(bits(t)), `${what} ${name} differs`).toBe(true);
  }
}

function disposeLoaded(l: LoadedMeteorCheckpoint): void {
  tf.dispose([...Object.values(l.params), ...Object.values(l.optimizer?.m ?? {}), ...Object.values(l.optimizer?.v ?? {})]);
}

function expectFull(l: LoadedMeteorCheckpoint): void {
  expect(l.config).toEqual(CONFIG);
  expect(l.configInput).toEqual(INPUT);
  expect(l.training).toEqual(TRAINING);
  expect(l.tokenizer).toEqual(TOKENIZER);
  expect(l.state).toEqual(STATE);
  expectSameTensors(l.params, params, "params");
  expect(l.optimizer!.step).toBe(120);
  expectSameTensors(l.optimizer!.m, optimizer.m, "m");
  expectSameTensors(l.optimizer!.v, optimizer.v, "v");
}

/** Writes `files` as a checkpoint directory and returns its path. */
function writeStepDir(files: ReadonlyMap<string, Uint8Array>, name = "step-000120"): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, b] of files) writeFileSync(join(d, f), b);
  return d;
}

/** The good files with some replaced (`null` removes one). */
function withFiles(changes: Record<string, Uint8Array | string | null>): Map<string, Uint8Array> {
  const out = new Map(good);
  for (const [f, b] of Object.entries(changes)) {
    if (b === null) out.delete(f);
    else out.set(f, typeof b === "string" ? new TextEncoder().encode(b) : b);
  }
  return out;
}

/** Edits the tensors (and metadata) of one of the good safetensors files. */
function editSafetensors(
  file: string,
  edit: (t: Map<string, SafetensorInput>) => void,
  metadata?: Record<string, string> | null,
): Uint8Array {
  const parsed = parseSafetensors(good.get(file)!);
  const tensors = new Map<string, SafetensorInput>([...parsed.tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: t.data }]));
  edit(tensors);
  return serializeSafetensors(tensors, metadata === undefined ? parsed.metadata : metadata);
}

const configWith = (patch: Record<string, unknown>): string => JSON.stringify({ format: 1, meteor: INPUT, ...patch });

/** Loads `path`, expecting a CheckpointError whose message contains each of `parts`; checks no tensors leak. */
async function loadError(path: string, ...parts: string[]): Promise<CheckpointError> {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    disposeLoaded(await loadCheckpoint(path));
  } catch (e) {
    caught = e;
  }
  expect(tf.memory().numTensors, "tensors leaked by a failed load").toBe(before);
  expect(caught, "should have thrown").toBeInstanceOf(CheckpointError);
  const err = caught as CheckpointError;
  for (const p of parts) expect(err.message).toContain(p);
  return err;
}

describe("round trip", () => {
  it("bytes: weights and AdamW moments bit for bit, JSON parts equal, no tensors left", () => {
    const before = tf.memory().numTensors;
    const l = deserializeCheckpoint(good);
    expectFull(l);
    expect(Object.keys(l.params)).toEqual([...meteorParamShapes(CONFIG).keys()]);
    expect(l.params["tor_proj.0.weight"]).not.toBeInstanceOf(tf.Variable);
    disposeLoaded(l);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("serializing is deterministic and writes the documented metadata", () => {
    const again = serializeCheckpoint(ckpt);
    expect([...again.keys()].sort()).toEqual(Object.values(F).sort());
    for (const [f, b] of good) expect(Buffer.from(again.get(f)!).equals(Buffer.from(b)), f).toBe(true);
    expect(parseSafetensors(good.get(F.model)!).metadata).toEqual({ format: "meteor-playground/1" });
    expect(parseSafetensors(good.get(F.optimizer)!).metadata).toEqual({ step: "120" });
    expect(JSON.parse(new TextDecoder().decode(good.get(F.config)))).toEqual({ format: 1, meteor: INPUT, training: TRAINING });
  });

  it("read to the host first (as saveCheckpoint does, for GPU tensors), the same bytes; a disposed tensor is still named", async () => {
    const host = await readToHost(ckpt);
    expect(host.params["tor_proj.0.weight"]).not.toBeInstanceOf(tf.Tensor);
    const again = serializeCheckpoint(host);
    for (const [f, b] of good) expect(Buffer.from(again.get(f)!).equals(Buffer.from(b)), f).toBe(true);
    const gone = tf.zeros(params["tor_proj.0.weight"]!.shape);
    gone.dispose();
    const withGone = await readToHost({ ...ckpt, params: { ...params, "tor_proj.0.weight": gone } });
    expect(() => serializeCheckpoint(withGone)).toThrow('tensor "tor_proj.0.weight" is disposed');
  });

  it("optional parts: no optimizer, state or training", () => {
    const files = serializeCheckpoint({ config: INPUT, params, tokenizer: TOKENIZER });
    expect([...files.keys()].sort()).toEqual([F.config, F.model, F.tokenizer].sort());
    const l = deserializeCheckpoint(files);
    expect(l.optimizer).toBeUndefined();
    expect(l.state).toBeUndefined();
    expect(l.training).toBeUndefined();
    expectSameTensors(l.params, params, "params");
    disposeLoaded(l);
  });

  it("a directory: save, then load by run directory and by checkpoint directory", async () => {
    const before = tf.memory().numTensors;
    const saved = await saveCheckpoint(dir, ckpt);
    expect(saved).toEqual({ dir: join(dir, "step-000120"), name: "step-000120" });
    expect(JSON.parse(readFileSync(join(dir, "latest.json"), "utf8"))).toEqual({ format: 1, checkpoint: "step-000120" });
    expect(readdirSync(saved.dir).sort()).toEqual(Object.values(F).sort());
    for (const path of [dir, saved.dir]) {
      const l = await loadCheckpoint(path);
      expect(l.dir).toBe(saved.dir);
      expectFull(l);
      disposeLoaded(l);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("saving refuses what could not be loaded", () => {
  const saveError = async (c: MeteorCheckpoint, opts: Parameters<typeof saveCheckpoint>[2], ...parts: string[]) => {
    const run = join(dir, "run");
    const err = await saveCheckpoint(run, c, opts).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    for (const p of parts) expect((err as Error).message).toContain(p);
    expect(existsSync(run), "nothing written").toBe(false);
  };

  it("a missing, misshapen or unknown parameter", async () => {
    const { ["mamba.backbone.norm_f.weight"]: _gone, ...missing } = params;
    await saveError({ ...ckpt, params: missing }, {}, 'missing tensor "mamba.backbone.norm_f.weight" (expected [64])');
    const wrong = tf.zeros([3, 4]);
    await saveError({ ...ckpt, params: { ...params, "tor_proj.0.weight": wrong } }, {}, 'tensor "tor_proj.0.weight" has shape [3, 4], expected');
    await saveError({ ...ckpt, params: { ...params, extra: wrong } }, {}, 'unknown tensor "extra"');
    wrong.dispose();
  });

  it("an invalid config, optimizer moments that match no parameter, bad JSON, no step", async () => {
    await saveError({ ...ckpt, config: { ...INPUT, numTor: 0 } }, {}, "config.json: invalid Meteor config", "numTor");
    const stray = tf.zeros([2]);
    await saveError({ ...ckpt, optimizer: { ...optimizer, m: { ...optimizer.m, nope: stray }, v: { ...optimizer.v, nope: stray } } }, {}, '"m.nope" is for an unknown parameter');
    await saveError({ ...ckpt, optimizer: { ...optimizer, m: { ...optimizer.m, "tor_proj.0.weight": params["tor_proj.0.weight"]! } } }, {}, '"m.tor_proj.0.weight" has no matching "v.tor_proj.0.weight"');
    stray.dispose();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await saveError({ ...ckpt, state: cyclic }, {}, "state.json: cannot be written as JSON");
    await saveError({ ...ckpt, tokenizer: undefined }, {}, "tokenizer.json: cannot be written as JSON");
    await saveError({ config: INPUT, params, tokenizer: TOKENIZER }, {}, "pass the step");
    await saveError(ckpt, { keep: 0 }, "keep must be a positive integer");
  });
});

describe("loading names every kind of damage", () => {
  it("missing files", async () => {
    for (const f of [F.config, F.model, F.tokenizer]) {
      rmSync(join(dir, "step-000120"), { recursive: true, force: true });
      const d = writeStepDir(withFiles({ [f]: null }));
      // Without config.json a directory is not recognisably a checkpoint; through latest.json it is.
      writeFileSync(join(dir, "latest.json"), JSON.stringify({ format: 1, checkpoint: "step-000120" }));
      await loadError(dir, `${join(d, f)}: missing file`);
    }
  });

  it("bad JSON, unknown versions, unknown fields, an invalid config", async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ [F.config]: "{\"format\": 1," }, ["config.json: not valid JSON"]],
      [{ [F.config]: configWith({ format: 2 }) }, ["config.json: unknown format version 2"]],
      [{ [F.config]: JSON.stringify({ meteor: INPUT }) }, ["config.json: unknown format version undefined"]],
      [{ [F.config]: configWith({ extra: true }) }, ['config.json: unknown field "extra"']],
      [{ [F.config]: '{"format": 1, "format": 1, "meteor": {}}' }, ['config.json: duplicate key "format"']],
      [{ [F.config]: JSON.stringify({ format: 1 }) }, ['config.json: missing field "meteor"']],
      [{ [F.config]: configWith({ meteor: { ...INPUT, mamba: { ...INPUT.mamba, dModel: -4 } } }) }, ["config.json: invalid Meteor config", "dModel"]],
      [{ [F.tokenizer]: "{not json" }, ["tokenizer.json: not valid JSON"]],
      [{ [F.state]: "" }, ["state.json: not valid JSON"]],
    ];
    for (const [changes, parts] of cases) {
      const d = writeStepDir(withFiles(changes));
      await loadError(d, `${d}/${parts[0]}`, ...parts.slice(1));
      rmSync(d, { recursive: true });
    }
    const d = writeStepDir(withFiles({ [F.config]: configWith({ meteor: { ...INPUT, vocabSize: 2 } }) }));
    const err = await loadError(d, "invalid Meteor config: vocabSize must be an integer ≥ 3");
    expect(err.cause).toBeInstanceOf(ConfigError);
  });

  it("a parameter missing, unknown, misshapen or of the wrong dtype, named with expected vs got", async () => {
    const name = "mlm.model.layers.1.attention.wqkv.weight";
    const shape = meteorParamShapes(CONFIG).get(name)!;
    const cases: [Uint8Array, string][] = [
      [editSafetensors(F.model, (t) => t.delete(name)), `missing tensor "${name}" (expected [${shape.join(", ")}])`],
      [editSafetensors(F.model, (t) => t.set("mlm.extra", { dtype: "F32", shape: [2], data: [1, 2] })), 'unknown tensor "mlm.extra" (shape [2])'],
      [
        editSafetensors(F.model, (t) => t.set(name, { dtype: "F32", shape: [shape[1]!, shape[0]!], data: t.get(name)!.data })),
        `tensor "${name}" has shape [${shape[1]}, ${shape[0]}], expected [${shape.join(", ")}]`,
      ],
      [editSafetensors(F.model, (t) => t.set(name, { ...t.get(name)!, dtype: "F16" })), `tensor "${name}" has dtype F16, expected F32`],
      [editSafetensors(F.model, () => {}, { format: "meteor-playground/2" }), 'unknown format "meteor-playground/2" in __metadata__'],
      [editSafetensors(F.model, () => {}, null), "unknown format null in __metadata__"],
    ];
    for (const [bytes, part] of cases) {
      const d = writeStepDir(withFiles({ [F.model]: bytes }));
      await loadError(d, `${d}/model.safetensors: `, part);
      rmSync(d, { recursive: true });
    }
    // Every problem is listed, the first five in the message.
    const d = writeStepDir(withFiles({ [F.model]: editSafetensors(F.model, (t) => [...t.keys()].slice(0, 7).forEach((n) => t.delete(n))) }));
    const err = await loadError(d, "and 2 more");
    expect(err.problems).toHaveLength(7);
  });

  it("optimizer moments that do not match the parameters", async () => {
    const name = "mamba.backbone.layers.0.mixer.A_log";
    const cases: [Uint8Array, string][] = [
      [editSafetensors(F.optimizer, (t) => t.set("m.ghost", { dtype: "F32", shape: [1], data: [0] })), 'tensor "m.ghost" is for an unknown parameter "ghost"'],
      [editSafetensors(F.optimizer, (t) => t.set("w.x", { dtype: "F32", shape: [1], data: [0] })), 'tensor "w.x" is neither "m.<param>" nor "v.<param>"'],
      [editSafetensors(F.optimizer, (t) => t.delete(`v.${name}`)), `tensor "m.${name}" has no matching "v.${name}"`],
      [
        editSafetensors(F.optimizer, (t) => t.set(`v.${name}`, { dtype: "F32", shape: [2], data: [0, 0] })),
        `tensor "v.${name}" has shape [2], but parameter "${name}" is [128, 8]`,
      ],
      [editSafetensors(F.optimizer, () => {}, { step: "-1" }), '__metadata__ must hold "step" as a non-negative integer, got "-1"'],
      [editSafetensors(F.optimizer, () => {}, null), 'must hold "step"'],
      [editSafetensors(F.optimizer, () => {}, { step: "3", lr: "1" }), 'unknown __metadata__ keys (expected only "step"): step, lr'],
    ];
    for (const [bytes, part] of cases) {
      const d = writeStepDir(withFiles({ [F.optimizer]: bytes }));
      await loadError(d, `${d}/optimizer.safetensors: `, part);
      rmSync(d, { recursive: true });
    }
  });

  it("truncated or corrupt safetensors, with the safetensors message kept", async () => {
    const model = good.get(F.model)!;
    const header = Number(new DataView(model.buffer, model.byteOffset).getBigUint64(0, true));
    const garbled = model.slice();
    garbled[8] = 0x5b; // "[" instead of "{"
    const cases: [string, Uint8Array, string][] = [
      [F.model, model.subarray(0, model.byteLength - 100), "run past the end of the"],
      [F.model, model.subarray(0, 5), "shorter than the 8-byte header length prefix"],
      [F.model, model.subarray(0, 8 + header - 3), "runs past the end"],
      [F.model, garbled, 'header must start with "{"'],
      [F.optimizer, good.get(F.optimizer)!.subarray(0, 1000), "runs past the end"],
      [F.model, new Uint8Array(0), "file is 0 bytes"],
    ];
    for (const [file, bytes, part] of cases) {
      const d = writeStepDir(withFiles({ [file]: bytes }));
      const err = await loadError(d, `${d}/${file}: safetensors: `);
      expect(err.cause).toBeInstanceOf(SafetensorsError);
      expect(err.message).toBe(`${d}/${file}: ${(err.cause as SafetensorsError).message}`);
      expect(err.message).toContain(part);
      rmSync(d, { recursive: true });
    }
  });

  it("latest.json: missing directory, bad JSON, unknown version, a name that is not a step", async () => {
    writeStepDir(good, "step-000100");
    const cases: [string, string][] = [
      [JSON.stringify({ format: 1, checkpoint: "step-000120" }), `names checkpoint "step-000120", but ${join(dir, "step-000120")} does not exist`],
      ["{", "not valid JSON"],
      [JSON.stringify({ format: 7, checkpoint: "step-000100" }), "unknown format version 7"],
      [JSON.stringify({ format: 1, checkpoint: "../elsewhere" }), 'must name a step directory such as "step-000120", got "../elsewhere"'],
      [JSON.stringify({ format: 1, checkpoint: "step-000100", at: 3 }), 'unknown field "at"'],
    ];
    for (const [text, part] of cases) {
      writeFileSync(join(dir, "latest.json"), text);
      await loadError(dir, `${join(dir, "latest.json")}: `, part);
    }
  });

  it("not a checkpoint: no directory, no latest.json yet, a directory of something else, a stray file", async () => {
    await loadError(join(dir, "nope"), "no such checkpoint or run directory");
    mkdirSync(join(dir, "step-000010.tmp-abc123")); // a first save that never finished
    await loadError(dir, `${dir}: not a checkpoint: no latest.json`);
    expect(() => deserializeCheckpoint(withFiles({ "notes.txt": "hi" }))).toThrow(/notes.txt: not a checkpoint file/);
  });
});

describe("a run directory", () => {
  const steps = () => readdirSync(dir).filter((n) => /^step-\d+$/.test(n)).sort();
  const latest = () => JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")).checkpoint as string;
  const loadState = async (path = dir) => {
    const l = await loadCheckpoint(path);
    disposeLoaded(l);
    return l.state as { step: number; variant?: string };
  };
  const at = (step: number, extra: object = {}): MeteorCheckpoint => ({ ...ckpt, state: { step, ...extra } });

  it("keeps only the `keep` newest checkpoints", async () => {
    for (const step of [10, 20, 30]) await saveCheckpoint(dir, at(step), { step });
    expect(steps()).toEqual(["step-000020", "step-000030"]);
    expect(latest()).toBe("step-000030");
    await saveCheckpoint(dir, at(40), { step: 40, keep: 1 });
    expect(readdirSync(dir).sort()).toEqual(["latest.json", "step-000040"]);
    await saveCheckpoint(dir, at(1_234_567), { step: 1_234_567, keep: 3 });
    expect(steps()).toEqual(["step-000040", "step-1234567"]);
    expect(await loadState()).toEqual({ step: 1_234_567 });
    // The step defaults to the optimizer's.
    expect((await saveCheckpoint(dir, ckpt)).name).toBe("step-000120");
  });

  it("after resuming from an earlier step, keeps the new checkpoint and the highest others", async () => {
    for (const step of [10, 20, 30]) await saveCheckpoint(dir, at(step), { step, keep: 3 });
    await saveCheckpoint(dir, at(15), { step: 15 });
    expect(steps()).toEqual(["step-000015", "step-000030"]);
    expect(latest()).toBe("step-000015");
  });

  it("removes what a killed save left behind", async () => {
    await saveCheckpoint(dir, at(10), { step: 10 });
    mkdirSync(join(dir, "step-000020.tmp-0123456789ab"));
    writeFileSync(join(dir, "step-000020.tmp-0123456789ab", F.config), "{\"form");
    mkdirSync(join(dir, "step-000005.old-abcdef"));
    writeFileSync(join(dir, ".latest.json.4242.a1b2c3.tmp"), "{");
    writeFileSync(join(dir, "notes.txt"), "mine");
    mkdirSync(join(dir, "tensorboard"));
    await saveCheckpoint(dir, at(20), { step: 20 });
    expect(readdirSync(dir).sort()).toEqual(["latest.json", "notes.txt", "step-000010", "step-000020", "tensorboard"]);
  });

  it("a save killed at any stage leaves the previous checkpoint loadable", async () => {
    await saveCheckpoint(dir, at(10), { step: 10 });
    // Killed while writing the new directory.
    const tmp = join(dir, "step-000020.tmp-0123456789ab");
    mkdirSync(tmp);
    writeFileSync(join(tmp, F.config), good.get(F.config)!);
    writeFileSync(join(tmp, F.model), good.get(F.model)!.subarray(0, 4096));
    expect(await loadState()).toEqual({ step: 10 });
    // Killed after renaming it into place, before latest.json moved.
    rmSync(tmp, { recursive: true });
    writeStepDir(serializeCheckpoint(at(20)), "step-000020");
    expect(await loadState()).toEqual({ step: 10 });
    // Killed while writing latest.json (its temporary file is all that changed).
    writeFileSync(join(dir, ".latest.json.4242.a1b2c3.tmp"), '{"format": 1, "checkp');
    expect(await loadState()).toEqual({ step: 10 });
    // The next save goes on from there.
    await saveCheckpoint(dir, at(30), { step: 30 });
    expect(readdirSync(dir).sort()).toEqual(["latest.json", "step-000020", "step-000030"]);
    expect(await loadState()).toEqual({ step: 30 });
  });

  it("re-saving a step replaces it; latest.json may name its copies mid-swap", async () => {
    await saveCheckpoint(dir, at(10, { variant: "A" }), { step: 10 });
    await saveCheckpoint(dir, { ...at(10, { variant: "B" }), params: paramsB }, { step: 10 });
    expect(readdirSync(dir).sort()).toEqual(["latest.json", "step-000010"]);
    const l = await loadCheckpoint(dir);
    expect(l.state).toEqual({ step: 10, variant: "B" });
    expectSameTensors(l.params, paramsB, "params");
    disposeLoaded(l);
    // The states a kill during the swap can leave: latest.json on the new copy's temporary
    // name, or on the old copy's name, with step-000010 absent.
    for (const name of ["step-000010.tmp-00ff00ff00ff", "step-000010.old-00ff00ff00ff"]) {
      rmSync(dir, { recursive: true });
      mkdirSync(dir);
      writeStepDir(serializeCheckpoint(at(10, { variant: name })), name);
      writeFileSync(join(dir, "latest.json"), JSON.stringify({ format: 1, checkpoint: name }));
      expect(await loadState()).toEqual({ step: 10, variant: name });
      await saveCheckpoint(dir, at(10, { variant: "C" }), { step: 10 });
      expect(readdirSync(dir).sort()).toEqual(["latest.json", "step-000010"]);
      expect(await loadState()).toEqual({ step: 10, variant: "C" });
    }
  });

  it("after a re-save killed mid-swap, the next step keeps the copy latest.json named as the previous checkpoint", async () => {
    for (const [copy, stale] of [["step-000010.old-00ff00ff00ff", null], ["step-000010.tmp-00ff00ff00ff", "step-000010"]] as const) {
      rmSync(dir, { recursive: true });
      mkdirSync(dir);
      writeStepDir(serializeCheckpoint(at(10, { variant: "newest" })), copy);
      if (stale) writeStepDir(serializeCheckpoint(at(10, { variant: "replaced" })), stale);
      writeStepDir(serializeCheckpoint(at(5)), "step-000005");
      writeFileSync(join(dir, "latest.json"), JSON.stringify({ format: 1, checkpoint: copy }));
      await saveCheckpoint(dir, at(20), { step: 20 });
      expect(readdirSync(dir).sort()).toEqual(["latest.json", "step-000010", "step-000020"]);
      expect(await loadState(join(dir, "step-000010"))).toEqual({ step: 10, variant: "newest" });
    }
  });
});
