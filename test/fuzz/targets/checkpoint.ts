/**
 * Fuzz target: a Meteor checkpoint's file map (config.json, model.safetensors,
 * tokenizer.json, optimizer.safetensors, state.json), one or more files mutated or the set
 * of files changed, through `deserializeCheckpoint`. Only CheckpointError may come out; a
 * success must hold exactly `meteorParamShapes(config)` (and moments that name parameters),
 * every value finite, and a failure must leave no tensors. Non-finite values written into
 * one tensor (all NaN, one ±Infinity, exponent bits set) must be refused naming the file and
 * that tensor.
 */
import * as tf from "../../../src/lib/tf.ts";
import { buildTokenizer } from "../../../src/lib/data/tokenizer.ts";
import {
  CHECKPOINT_FILES,
  CheckpointError,
  deserializeCheckpoint,
  serializeCheckpoint,
  type LoadedMeteorCheckpoint,
} from "../../../src/lib/io/meteor-checkpoint.ts";
import { parseSafetensorsHeader } from "../../../src/lib/io/safetensors.ts";
import { resolveMeteorConfig, type MeteorConfigInput } from "../../../src/lib/meteor/config.ts";
import { initMeteorVariables, meteorParamShapes } from "../../../src/lib/meteor/params.ts";
import type { FuzzTarget } from "../harness.ts";
import { jsonText, mutateBytes, mutateValue } from "../mutate.ts";
import type { Rand } from "../rand.ts";
import { mutateSafetensors } from "../safetensors-mutate.ts";
import { sourceNaNs, tensorBytes } from "./safetensors.ts";

type Files = Map<string, Uint8Array>;

let base: Files | undefined;

function baseFiles(): Files {
  const tokenizer = buildTokenizer(["the answer is", "a b c"], { maxNumber: 9 });
  const config: MeteorConfigInput = {
    vocabSize: tokenizer.vocabSize,
    numTor: 3,
    vision: { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 16 },
    mamba: { dModel: 8, nLayer: 1, dState: 2 },
    mlm: { dModel: 8, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 16 },
  };
  const params = initMeteorVariables(resolveMeteorConfig(config), 5);
  const moments = Object.keys(params).filter((n) => n.startsWith("tor_proj."));
  const m = Object.fromEntries(moments.map((n) => [n, tf.zerosLike(params[n]!)]));
  const v = Object.fromEntries(moments.map((n) => [n, tf.onesLike(params[n]!)]));
  try {
    return serializeCheckpoint({
      config,
      training: { preset: "tiny", steps: { pretrain: 2 } },
      params,
      tokenizer: tokenizer.toJSON(),
      optimizer: { step: 2, m, v },
      state: { stageIndex: 0, stageStep: 2, history: [], validation: [] },
    });
  } finally {
    tf.dispose([...Object.values(params), ...Object.values(m), ...Object.values(v)]);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const F = CHECKPOINT_FILES;

/** Keys worth adding to config.json's objects: misspellings and prototype names. */
const CONFIG_KEYS = ["formats", "Meteor", "__proto__", "constructor", "numtor", "nlayer", "dstate", "vocab_size", "imagesize"];

/** Writes non-finite floats into one tensor of `name` (from the base file); returns the label and the tensor. */
function poisonTensor(rand: Rand, files: Files, name: string): { label: string; tensor: string; bytes: Uint8Array } {
  const bytes = base!.get(name)!.slice();
  const h = parseSafetensorsHeader(bytes);
  const tensor = rand.pick([...h.tensors.keys()]);
  const view = tensorBytes(bytes, h, tensor);
  const dv = new DataView(view.buffer, view.byteOffset, view.byteLength);
  const n = view.byteLength / 4;
  const how = rand.pick(["all NaN", "one +Inf", "one -Inf", "exponent bits set"] as const);
  if (n === 0) return { label: `${name}: ${tensor} is empty`, tensor: "", bytes };
  const at = rand.int(n);
  if (how === "all NaN") for (let i = 0; i < n; i++) dv.setFloat32(4 * i, Number.NaN, true);
  else if (how === "exponent bits set") dv.setUint32(4 * at, dv.getUint32(4 * at, true) | 0x7f800000, true);
  else dv.setFloat32(4 * at, how === "one +Inf" ? Infinity : -Infinity, true);
  files.set(name, bytes);
  return { label: `${name}: ${tensor} ${how}${how === "all NaN" ? "" : ` at ${at}`}`, tensor, bytes };
}

/** The tensors "non-finite" mutations poisoned, by input, with the file's bytes (a later mutation may replace them). */
const poisoned = new WeakMap<Files, { file: string; tensor: string; bytes: Uint8Array }[]>();

function mutateFiles(rand: Rand, files: Files): string {
  const kind = rand.weighted([
    [2, "non-finite"],
    [4, "model"],
    [2, "optimizer"],
    [4, "config-json"],
    [1, "config-bytes"],
    [1, "json-bytes"],
    [1, "file-set"],
  ] as const);
  switch (kind) {
    case "non-finite": {
      const name = rand.pick([F.model, F.optimizer]);
      const p = poisonTensor(rand, files, name);
      if (p.tensor) poisoned.set(files, [...(poisoned.get(files) ?? []), { file: name, tensor: p.tensor, bytes: p.bytes }]);
      return p.label;
    }
    case "model":
    case "optimizer": {
      const name = kind === "model" ? F.model : F.optimizer;
      const m = mutateSafetensors(rand, base!.get(name)!); // the base: an earlier edit may have broken this file
      files.set(name, m.bytes);
      return `${name}: ${m.label}`;
    }
    case "config-json": {
      const m = mutateValue(rand, JSON.parse(dec.decode(base!.get(F.config))), CONFIG_KEYS);
      files.set(F.config, enc.encode(jsonText(m.value)));
      return `config.json: ${m.label}`;
    }
    case "config-bytes":
    case "json-bytes": {
      const name = kind === "config-bytes" ? F.config : rand.pick([F.tokenizer, F.state]);
      const m = mutateBytes(rand, base!.get(name)!);
      files.set(name, m.value);
      return `${name}: ${m.label}`;
    }
    case "file-set": {
      const op = rand.pick(["drop", "add", "rename", "swap", "empty"] as const);
      const names = [...files.keys()];
      const name = rand.pick(names);
      if (op === "drop") files.delete(name);
      else if (op === "add") files.set(rand.pick(["extra.json", "../config.json", "", "Config.json", "latest.json"]), enc.encode("{}"));
      else if (op === "rename") {
        const b = files.get(name)!;
        files.delete(name);
        files.set(rand.pick(Object.values(F)), b);
      } else if (op === "swap") {
        const other = rand.pick(names);
        const [a, b] = [files.get(name)!, files.get(other)!];
        files.set(name, b);
        files.set(other, a);
        return `swap ${name} and ${other}`;
      } else files.set(name, new Uint8Array(0));
      return `${op} ${name}`;
    }
  }
}

export const checkpointTarget: FuzzTarget<Files, LoadedMeteorCheckpoint> = {
  name: "meteor-checkpoint",
  about: "mutated Meteor checkpoint file maps → deserializeCheckpoint",
  errors: [CheckpointError],
  ciCount: 600,
  async setup() {
    base ??= baseFiles();
  },
  generate(rand) {
    const files = new Map(base!);
    const labels: string[] = [];
    for (let n = rand.chance(0.8) ? 1 : 2; n > 0; n--) labels.push(mutateFiles(rand, files));
    return { input: files, label: labels.join(" | ") };
  },
  call: (files) => deserializeCheckpoint(files, { source: "fuzz" }),
  check(outcome, files) {
    const poisons = (poisoned.get(files) ?? []).filter((p) => files.get(p.file) === p.bytes);
    if (!outcome.ok) {
      const msg = outcome.error.message;
      if (!msg.startsWith("fuzz/")) return `message does not start with the file: ${msg.slice(0, 80)}`;
      // Refused for non-finite values: the message names a poisoned file and tensor.
      const named = poisons.some((p) => msg.startsWith(`fuzz/${p.file}: tensor "${p.tensor}" holds`));
      if (poisons.length > 0 && /non-finite/.test(msg) && !named) return `non-finite refusal names no poisoned tensor: ${msg.slice(0, 120)}`;
      return null;
    }
    if (poisons.length > 0) return `${poisons[0]!.file}: "${poisons[0]!.tensor}" holds non-finite values and loaded`;
    const { config, params, optimizer } = outcome.value;
    const expected = meteorParamShapes(config);
    const got = Object.keys(params);
    if (got.length !== expected.size || got.some((n) => !expected.has(n))) return "returned parameters do not match the config";
    const modelBytes = files.get(F.model)!;
    const h = parseSafetensorsHeader(modelBytes);
    for (const [name, shape] of expected) {
      const t = params[name]!;
      if (t.dtype !== "float32" || t.shape.join() !== shape.join()) return `"${name}" is ${t.dtype} [${t.shape}], expected float32 [${shape}]`;
      const values = t.dataSync();
      if (!values.every(Number.isFinite)) return `"${name}" loaded with a non-finite value`;
      const src = sourceNaNs(tensorBytes(modelBytes, h, name), "F32");
      if (src !== 0) return `"${name}" loaded though the file holds ${src} NaN`;
    }
    if (optimizer) {
      if (!Number.isSafeInteger(optimizer.step) || optimizer.step < 0) return `optimizer step ${optimizer.step}`;
      for (const kind of ["m", "v"] as const) {
        for (const [name, t] of Object.entries(optimizer[kind])) {
          const shape = expected.get(name);
          if (shape === undefined || t.shape.join() !== shape.join()) return `moment ${kind}.${name} [${t.shape}] does not match a parameter`;
          if ((kind === "m" ? optimizer.v : optimizer.m)[name] === undefined) return `moment ${kind}.${name} has no twin`;
          if (!t.dataSync().every(Number.isFinite)) return `moment ${kind}.${name} loaded with a non-finite value`;
        }
      }
    }
    return null;
  },
  dispose(value) {
    tf.dispose(Object.values(value.params));
    if (value.optimizer) tf.dispose([...Object.values(value.optimizer.m), ...Object.values(value.optimizer.v)]);
  },
};
