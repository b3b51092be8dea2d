/**
 * A Meteor training checkpoint as named files of bytes, with no file system, so a page can
 * load one from fetched bytes (`meteor-checkpoint.ts` adds the Node directory handling).
 *
 *   config.json            {"format": 1, "meteor": MeteorConfigInput, "training"?: any JSON}
 *   model.safetensors      F32 weights by flat name (`meteorParamShapes`);
 *                          __metadata__ {"format": "meteor-playground/1"}
 *   tokenizer.json         the tokenizer's `toJSON()`, opaque here
 *   optimizer.safetensors  optional: AdamW's moments as F32 "m.<name>", "v.<name>" for the
 *                          parameters it has updated; __metadata__ {"step": "<int>"}
 *   state.json             optional: the training loop's own state, opaque here
 *
 * Both directions validate everything: writing refuses what could not be read back, and
 * reading checks every file before the first tensor is made, so a failed load leaves no
 * tensors behind. Every error is a CheckpointError whose message starts with the file.
 */
import * as tf from "../tf.ts";
import { showValue } from "../config-fields.ts";
import { resolveMeteorConfig, type MeteorConfig, type MeteorConfigInput } from "../meteor/config.ts";
import { meteorParamShapes } from "../meteor/params.ts";
import type { AdamWState } from "../train/adamw.ts";
import { CheckpointError } from "./hf-mamba-config.ts";
import { findDuplicateKey } from "./json-duplicate-keys.ts";
import {
  SafetensorsError,
  decodeSafetensor,
  parseSafetensorsHeader,
  serializeSafetensors,
  type SafetensorInput,
  type SafetensorsHeader,
} from "./safetensors.ts";

export { CheckpointError } from "./hf-mamba-config.ts";

/** The file names of a checkpoint. */
export const CHECKPOINT_FILES = {
  config: "config.json",
  model: "model.safetensors",
  tokenizer: "tokenizer.json",
  optimizer: "optimizer.safetensors",
  state: "state.json",
} as const;

/** config.json's `format`. */
export const CHECKPOINT_FORMAT = 1;
/** model.safetensors' `__metadata__.format`. */
export const MODEL_FORMAT = "meteor-playground/1";

/**
 * A tensor's values already read to the host (`readToHost`), so that serialising never
 * reads a GPU synchronously (the webgpu backend cannot, in Node).
 */
export interface HostTensor {
  readonly dtype: tf.DataType;
  readonly shape: readonly number[];
  readonly isDisposed: false;
  readonly values: tf.TypedArray;
}

/** A tensor as `serializeCheckpoint` takes it. */
export type CheckpointTensor = tf.Tensor | HostTensor;

/** What a checkpoint holds, as the trainer has it. */
export interface MeteorCheckpoint {
  /** The model's config as given to `resolveMeteorConfig` (not the resolved one: derived fields are not accepted back). */
  config: MeteorConfigInput;
  /** Training settings (stages, learning rates…), any JSON; saved inside config.json. */
  training?: unknown;
  /** Every parameter, by flat name (`meteorParamShapes`), float32. Variables are fine. */
  params: Readonly<Record<string, CheckpointTensor>>;
  /** The tokenizer's JSON form. */
  tokenizer: unknown;
  /** AdamW's state (`AdamWState`); its moments must name parameters and match their shapes. */
  optimizer?: { step: number; m: Readonly<Record<string, CheckpointTensor>>; v: Readonly<Record<string, CheckpointTensor>> };
  /** The training loop's state (stage, step, data cursor, RNG, loss history…), any JSON. */
  state?: unknown;
}

/** A checkpoint read back. Tensors are new, plain float32 tensors that the caller owns. */
export interface LoadedMeteorCheckpoint {
  config: MeteorConfig;
  /** config.json's `meteor`, exactly as saved. */
  configInput: MeteorConfigInput;
  /** config.json's `training`, or undefined when it has none. */
  training: unknown;
  params: Record<string, tf.Tensor>;
  tokenizer: unknown;
  optimizer?: AdamWState;
  state?: unknown;
}

export interface DeserializeOptions {
  /** Prefixed to file names in error messages, e.g. the directory or URL the files came from. */
  source?: string;
}

const KNOWN_FILES = new Set<string>(Object.values(CHECKPOINT_FILES));
const CONFIG_KEYS = new Set(["format", "meteor", "training"]);
const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Up to five problems in a message, all of them in `problems`. */
function problemsError(head: string, problems: string[]): CheckpointError {
  const more = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
  return new CheckpointError(`${head}: ${problems.slice(0, 5).join("; ")}${more}`, problems);
}

function wrap(message: string, cause: unknown): CheckpointError {
  const err = new CheckpointError(message);
  err.cause = cause;
  return err;
}

// ---------------------------------------------------------------------------------------
// Writing

function jsonBytes(file: string, value: unknown, pretty: boolean): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, pretty ? 2 : undefined);
  } catch (e) {
    throw wrap(`${file}: cannot be written as JSON (${(e as Error).message})`, e);
  }
  if (text === undefined) throw new CheckpointError(`${file}: cannot be written as JSON (got ${typeof value})`);
  return enc(`${text}\n`);
}

/** The float32 values of `t`, checked against the expected shape. */
function f32(t: CheckpointTensor, name: string, shape: readonly number[], problems: string[]): SafetensorInput | null {
  if (t.isDisposed) problems.push(`tensor "${name}" is disposed`);
  else if (t.dtype !== "float32") problems.push(`tensor "${name}" has dtype ${t.dtype}, expected float32`);
  else if (fmt(t.shape) !== fmt(shape)) problems.push(`tensor "${name}" has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
  else return { dtype: "F32", shape, data: ("values" in t ? t.values : t.dataSync()) as Float32Array };
  return null;
}

/** Reads every live tensor of `t` with `await data()` (one transfer each); disposed ones stay as they are, for the error. */
async function toHost(t: CheckpointTensor): Promise<CheckpointTensor> {
  if ("values" in t || t.isDisposed) return t;
  return { dtype: t.dtype, shape: t.shape, isDisposed: false, values: (await t.data()) as tf.TypedArray };
}

async function recordToHost(rec: Readonly<Record<string, CheckpointTensor>>): Promise<Record<string, CheckpointTensor>> {
  return Object.fromEntries(await Promise.all(Object.entries(rec).map(async ([k, t]) => [k, await toHost(t)] as const)));
}

/**
 * `ckpt` with its tensors read to the host asynchronously: what to pass `serializeCheckpoint`
 * when the tensors may live on a GPU (`saveCheckpoint` does this). Every read starts before
 * the first await, so a training step that runs meanwhile cannot mix two steps' tensors.
 */
export async function readToHost(ckpt: MeteorCheckpoint): Promise<MeteorCheckpoint> {
  const { optimizer } = ckpt;
  const [params, m, v] = await Promise.all([recordToHost(ckpt.params), ...(optimizer ? [recordToHost(optimizer.m), recordToHost(optimizer.v)] : [])]);
  return { ...ckpt, params: params!, ...(optimizer ? { optimizer: { step: optimizer.step, m: m!, v: v! } } : {}) };
}

/**
 * The checkpoint's files, by name. Throws a CheckpointError (and writes nothing anywhere)
 * when the config is invalid, the parameters do not match it, the optimizer's moments do
 * not match the parameters, or a JSON part cannot be written.
 */
export function serializeCheckpoint(ckpt: MeteorCheckpoint): Map<string, Uint8Array> {
  const F = CHECKPOINT_FILES;
  let config: MeteorConfig;
  try {
    config = resolveMeteorConfig(ckpt.config);
  } catch (e) {
    throw wrap(`${F.config}: invalid Meteor config: ${(e as Error).message}`, e);
  }
  const expected = meteorParamShapes(config);

  const problems: string[] = [];
  const weights = new Map<string, SafetensorInput>();
  for (const [name, shape] of expected) {
    const t = ckpt.params[name];
    if (t === undefined) problems.push(`missing tensor "${name}" (expected ${fmt(shape)})`);
    else {
      const w = f32(t, name, shape, problems);
      if (w) weights.set(name, w);
    }
  }
  for (const name of Object.keys(ckpt.params)) if (!expected.has(name)) problems.push(`unknown tensor "${name}"`);
  if (problems.length > 0) throw problemsError(`${F.model}: parameters do not match the config`, problems);

  const files = new Map<string, Uint8Array>();
  const meta: Record<string, unknown> = { format: CHECKPOINT_FORMAT, meteor: ckpt.config };
  if (ckpt.training !== undefined) meta.training = ckpt.training;
  files.set(F.config, jsonBytes(F.config, meta, true));
  files.set(F.model, serializeSafetensors(weights, { format: MODEL_FORMAT }));
  files.set(F.tokenizer, jsonBytes(F.tokenizer, ckpt.tokenizer, false));

  if (ckpt.optimizer !== undefined) {
    const { step, m, v } = ckpt.optimizer;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new CheckpointError(`${F.optimizer}: step must be a non-negative integer, got ${JSON.stringify(step)}`);
    }
    const moments = new Map<string, SafetensorInput>();
    for (const [kind, rec, other] of [["m", m, v], ["v", v, m]] as const) {
      for (const [name, t] of Object.entries(rec)) {
        const shape = expected.get(name);
        if (shape === undefined) problems.push(`"${kind}.${name}" is for an unknown parameter`);
        else if (other[name] === undefined) problems.push(`"${kind}.${name}" has no matching "${kind === "m" ? "v" : "m"}.${name}"`);
        else {
          const w = f32(t, `${kind}.${name}`, shape, problems);
          if (w) moments.set(`${kind}.${name}`, w);
        }
      }
    }
    if (problems.length > 0) throw problemsError(`${F.optimizer}: optimizer state does not match the parameters`, problems);
    files.set(F.optimizer, serializeSafetensors(moments, { step: String(step) }));
  }
  if (ckpt.state !== undefined) files.set(F.state, jsonBytes(F.state, ckpt.state, false));
  return files;
}

// ---------------------------------------------------------------------------------------
// Reading

function parseJson(bytes: Uint8Array, where: string, checkDuplicates: boolean): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw wrap(`${where}: not valid UTF-8`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw wrap(`${where}: not valid JSON (${(e as Error).message})`, e);
  }
  if (checkDuplicates) {
    const dup = findDuplicateKey(text);
    if (dup !== null) throw new CheckpointError(`${where}: duplicate key "${dup.key}"${dup.path ? ` in "${dup.path}"` : ""}`);
  }
  return json;
}

function parseHeader(bytes: Uint8Array, where: string): SafetensorsHeader {
  try {
    return parseSafetensorsHeader(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw wrap(`${where}: ${e.message}`, e);
    throw e;
  }
}

/** How many of `data` are NaN or ±Infinity, and the first of them; null when all are finite. */
function nonFinite(data: Float32Array): { count: number; first: number; index: number; size: number } | null {
  let count = 0;
  let index = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      if (count === 0) index = i;
      count++;
    }
  }
  return count === 0 ? null : { count, first: data[index]!, index, size: data.length };
}

/**
 * Reads a checkpoint from its files. Validates every file first — config.json's format
 * and config, model.safetensors' names, shapes and dtypes against `meteorParamShapes`, the
 * optimizer's moments against the parameters — and only then makes tensors, refusing any
 * tensor that holds a NaN or an infinity (naming the file and the tensor): no weights of a
 * diverged or damaged run load as if they were trained.
 */
export function deserializeCheckpoint(files: ReadonlyMap<string, Uint8Array>, opts: DeserializeOptions = {}): LoadedMeteorCheckpoint {
  const F = CHECKPOINT_FILES;
  const at = (file: string): string => (opts.source === undefined ? file : `${opts.source}/${file}`);
  for (const name of files.keys()) {
    if (!KNOWN_FILES.has(name)) throw new CheckpointError(`${at(name)}: not a checkpoint file (expected ${[...KNOWN_FILES].join(", ")})`);
  }
  const need = (file: string): Uint8Array => {
    const bytes = files.get(file);
    if (bytes === undefined) throw new CheckpointError(`${at(file)}: missing file`);
    return bytes;
  };

  // config.json
  const meta = parseJson(need(F.config), at(F.config), true);
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new CheckpointError(`${at(F.config)}: must be a JSON object`);
  const rec = meta as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!CONFIG_KEYS.has(k)) throw new CheckpointError(`${at(F.config)}: unknown field "${k}" (expected format, meteor, training)`);
  }
  if (rec.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${at(F.config)}: unknown format version ${showValue(rec.format)} (this version reads ${CHECKPOINT_FORMAT})`);
  }
  if (rec.meteor === undefined) throw new CheckpointError(`${at(F.config)}: missing field "meteor"`);
  const configInput = rec.meteor as MeteorConfigInput;
  let config: MeteorConfig;
  try {
    config = resolveMeteorConfig(configInput);
  } catch (e) {
    throw wrap(`${at(F.config)}: invalid Meteor config: ${(e as Error).message}`, e);
  }

  // model.safetensors
  const modelBytes = need(F.model);
  const model = parseHeader(modelBytes, at(F.model));
  if (model.metadata?.format !== MODEL_FORMAT) {
    throw new CheckpointError(
      `${at(F.model)}: unknown format ${JSON.stringify(model.metadata?.format ?? null)} in __metadata__ (expected "${MODEL_FORMAT}")`,
    );
  }
  // Every layer has tensors of its own: a config.json claiming more layers than the file
  // holds tensors cannot match, and must not make us list millions of expected names.
  const layers = config.vision.nLayer + config.mamba.nLayer + config.mlm.nLayer;
  if (layers > model.tensors.size) {
    throw new CheckpointError(`${at(F.model)}: holds ${model.tensors.size} tensors, too few for the ${layers} layers of ${at(F.config)}`);
  }
  const expected = meteorParamShapes(config);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const info = model.tensors.get(name);
    if (info === undefined) problems.push(`missing tensor "${name}" (expected ${fmt(shape)})`);
    else if (fmt(info.shape) !== fmt(shape)) problems.push(`tensor "${name}" has shape ${fmt(info.shape)}, expected ${fmt(shape)}`);
    else if (info.dtype !== "F32") problems.push(`tensor "${name}" has dtype ${info.dtype}, expected F32`);
  }
  for (const [name, info] of model.tensors) {
    if (!expected.has(name)) problems.push(`unknown tensor "${name}" (shape ${fmt(info.shape)})`);
  }
  if (problems.length > 0) throw problemsError(`${at(F.model)}: does not match the config`, problems);

  // tokenizer.json, state.json
  const tokenizer = parseJson(need(F.tokenizer), at(F.tokenizer), false);
  const stateBytes = files.get(F.state);
  const state = stateBytes === undefined ? undefined : parseJson(stateBytes, at(F.state), false);

  // optimizer.safetensors
  const optBytes = files.get(F.optimizer);
  let opt: { header: SafetensorsHeader; step: number } | undefined;
  if (optBytes !== undefined) {
    const header = parseHeader(optBytes, at(F.optimizer));
    const metaKeys = Object.keys(header.metadata ?? {});
    const stepText = header.metadata?.step;
    if (stepText === undefined || !/^\d+$/.test(stepText) || !Number.isSafeInteger(Number(stepText))) {
      throw new CheckpointError(`${at(F.optimizer)}: __metadata__ must hold "step" as a non-negative integer, got ${JSON.stringify(stepText ?? null)}`);
    }
    if (metaKeys.length !== 1) throw new CheckpointError(`${at(F.optimizer)}: unknown __metadata__ keys (expected only "step"): ${metaKeys.join(", ")}`);
    for (const [key, info] of header.tensors) {
      const match = /^([mv])\.(.*)$/.exec(key);
      const shape = match ? expected.get(match[2]!) : undefined;
      if (!match) problems.push(`tensor "${key}" is neither "m.<param>" nor "v.<param>"`);
      else if (shape === undefined) problems.push(`tensor "${key}" is for an unknown parameter "${match[2]}"`);
      else if (fmt(info.shape) !== fmt(shape)) problems.push(`tensor "${key}" has shape ${fmt(info.shape)}, but parameter "${match[2]}" is ${fmt(shape)}`);
      else if (info.dtype !== "F32") problems.push(`tensor "${key}" has dtype ${info.dtype}, expected F32`);
      else {
        const twin = `${match[1] === "m" ? "v" : "m"}.${match[2]}`;
        if (!header.tensors.has(twin)) problems.push(`tensor "${key}" has no matching "${twin}"`);
      }
    }
    if (problems.length > 0) throw problemsError(`${at(F.optimizer)}: does not match the parameters`, problems);
    opt = { header, step: Number(stepText) };
  }

  // Everything is valid: make the tensors, disposing them all if anything still fails.
  const made: tf.Tensor[] = [];
  const tensor = (bytes: Uint8Array, header: SafetensorsHeader, name: string, where: string): tf.Tensor => {
    let data;
    try {
      data = decodeSafetensor(bytes, header, name).data as Float32Array;
    } catch (e) {
      if (e instanceof SafetensorsError) throw wrap(`${where}: ${e.message}`, e);
      throw e;
    }
    const bad = nonFinite(data);
    if (bad !== null) {
      throw new CheckpointError(
        `${where}: tensor "${name}" holds ${bad.count} non-finite value${bad.count === 1 ? "" : "s"} (${bad.first} at element ${bad.index} of ${bad.size}); the checkpoint is corrupt or was saved from a diverged run`,
      );
    }
    const t = tf.tensor(data, header.tensors.get(name)!.shape as number[], "float32");
    made.push(t);
    return t;
  };
  try {
    const params: Record<string, tf.Tensor> = {};
    for (const name of expected.keys()) params[name] = tensor(modelBytes, model, name, at(F.model));
    let optimizer: AdamWState | undefined;
    if (opt !== undefined) {
      optimizer = { step: opt.step, m: {}, v: {} };
      for (const key of opt.header.tensors.keys()) {
        const [kind, name] = [key.slice(0, 1) as "m" | "v", key.slice(2)];
        optimizer[kind][name] = tensor(optBytes!, opt.header, key, at(F.optimizer));
      }
    }
    const out: LoadedMeteorCheckpoint = { config, configInput, training: rec.training, params, tokenizer };
    if (optimizer !== undefined) out.optimizer = optimizer;
    if (state !== undefined) out.state = state;
    return out;
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}
