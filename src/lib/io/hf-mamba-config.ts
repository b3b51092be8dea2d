/**
 * What a Mamba checkpoint says about its configuration: tensor names from `mamba_ssm`
 * mapped onto the Hugging Face `MambaForCausalLM` names that `mambaParamShapes` uses, the
 * config read off the tensor shapes, the config saved in our own `__metadata__`, and a
 * `transformers` `config.json` translated into our field names. No tensors, no I/O.
 *
 * Shape → field (HF names, PyTorch layouts):
 *   backbone.embeddings.weight        [V, D]       vocabSize, dModel
 *   backbone.layers.{i}.*             i < nLayer   nLayer = highest i + 1
 *   layers.0.mixer.in_proj.weight     [2E, D]      expand = E / D
 *   layers.0.mixer.A_log              [E, N]       dState
 *   layers.0.mixer.conv1d.weight      [E, 1, K]    dConv
 *   layers.0.mixer.dt_proj.weight     [E, R]       dtRank
 *   conv1d.bias / in_proj.bias present            convBias / projBias
 *   lm_head.weight absent                          tieEmbeddings
 */
import { showValue } from "../config-fields.ts";
import type { MambaConfig, MambaConfigInput } from "../mamba/config.ts";

/** A checkpoint that does not describe a model we can load; the message names the tensor. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
  constructor(
    message: string,
    /** Every problem found, one line each (the message shows the first few). */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
  }
}

/** Where `mamba_ssm` (state-spaces/mamba `MambaLMHeadModel`) names differ from Hugging Face's. */
const MAMBA_SSM_TO_HF: ReadonlyMap<string, string> = new Map([["backbone.embedding.weight", "backbone.embeddings.weight"]]);

/** The Hugging Face name for a checkpoint tensor name (unchanged when already one). */
export const toHfMambaName = (name: string): string => MAMBA_SSM_TO_HF.get(name) ?? name;

/** Fields that the tensor shapes determine. */
export const SHAPE_FIELDS = [
  "dModel", "nLayer", "vocabSize", "dState", "expand", "dConv", "dtRank", "convBias", "projBias", "tieEmbeddings",
] as const;
/** Fields that only a saved config can tell. */
const FREE_FIELDS = ["rmsNormEps", "dtMin", "dtMax", "dtInitFloor"] as const;

type ShapeFields = Pick<MambaConfigInput, (typeof SHAPE_FIELDS)[number]> & { dtRank: number };

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/**
 * Reads the configuration off the tensor shapes (keys are HF names). `headIsTied` says an
 * `lm_head.weight` present in the file is a copy of the embedding (so the head is tied).
 */
export function inferMambaShapeConfig(shapes: ReadonlyMap<string, readonly number[]>, headIsTied = false): ShapeFields {
  for (const name of shapes.keys()) {
    if (/\.mixer\.(dt_bias|norm\.weight)$/.test(name)) {
      throw new CheckpointError(`tensor "${name}" belongs to a Mamba-2 model; only Mamba-1 (MambaForCausalLM) checkpoints are supported`);
    }
  }
  const dims = (name: string, rank: number, why: string): number[] => {
    const s = shapes.get(name);
    if (s === undefined) throw new CheckpointError(`missing tensor "${name}" (needed to infer ${why})`);
    if (s.length !== rank) throw new CheckpointError(`tensor "${name}": expected a ${rank}-D shape, got ${fmt(s)}`);
    return [...s];
  };
  const [vocabSize, dModel] = dims("backbone.embeddings.weight", 2, "vocabSize and dModel") as [number, number];
  let nLayer = 0;
  for (const name of shapes.keys()) {
    const m = /^backbone\.layers\.(\d+)\./.exec(name);
    if (m) nLayer = Math.max(nLayer, Number(m[1]) + 1);
  }
  if (nLayer === 0) throw new CheckpointError('no "backbone.layers.{i}.*" tensors: not a Mamba checkpoint');
  const p = "backbone.layers.0.mixer";
  const [twoE] = dims(`${p}.in_proj.weight`, 2, "dInner") as [number];
  const dInner = twoE / 2;
  if (!Number.isInteger(dInner / dModel)) {
    throw new CheckpointError(
      `tensor "${p}.in_proj.weight" has ${twoE} rows, so dInner = ${dInner}, which is not a whole multiple of dModel = ${dModel}; only integer expand factors are supported`,
    );
  }
  const [, dState] = dims(`${p}.A_log`, 2, "dState") as [number, number];
  const [, , dConv] = dims(`${p}.conv1d.weight`, 3, "dConv") as [number, number, number];
  const [, dtRank] = dims(`${p}.dt_proj.weight`, 2, "dtRank") as [number, number];
  return {
    dModel,
    nLayer,
    vocabSize,
    dState,
    expand: dInner / dModel,
    dConv,
    dtRank,
    convBias: shapes.has(`${p}.conv1d.bias`),
    projBias: shapes.has(`${p}.in_proj.bias`),
    tieEmbeddings: !shapes.has("lm_head.weight") || headIsTied,
  };
}

/** The `__metadata__` key under which `saveMambaCheckpoint` stores the resolved config as JSON. */
export const CONFIG_METADATA_KEY = "mamba_config";

/**
 * The fields a saved config adds to the shapes (epsilon and Δ init), checking that its
 * shape fields agree with the tensors. Empty when the file carries no config.
 */
export function configFromMetadata(
  metadata: Readonly<Record<string, string>> | null,
  inferred: ShapeFields,
): Partial<MambaConfigInput> {
  const text = metadata?.[CONFIG_METADATA_KEY];
  if (text === undefined) return {};
  let saved: Partial<Record<keyof MambaConfig, unknown>>;
  try {
    saved = JSON.parse(text) as typeof saved;
  } catch {
    throw new CheckpointError(`__metadata__.${CONFIG_METADATA_KEY} is not valid JSON`);
  }
  if (saved === null || typeof saved !== "object") throw new CheckpointError(`__metadata__.${CONFIG_METADATA_KEY} is not an object`);
  for (const f of SHAPE_FIELDS) {
    if (saved[f] !== undefined && saved[f] !== inferred[f]) {
      throw new CheckpointError(
        `__metadata__.${CONFIG_METADATA_KEY} says ${f} = ${showValue(saved[f])} but the tensors imply ${JSON.stringify(inferred[f])}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const f of FREE_FIELDS) if (saved[f] !== undefined) out[f] = saved[f];
  return out as Partial<MambaConfigInput>;
}

/**
 * Translates a `transformers` `MambaConfig` (`config.json` of a `*-hf` checkpoint) into our
 * field names. Only fields present are returned; unknown ones are ignored.
 */
export function mambaConfigFromHf(hf: Readonly<Record<string, unknown>>): Partial<MambaConfigInput> {
  const map: ReadonlyArray<[string, keyof MambaConfigInput]> = [
    ["hidden_size", "dModel"],
    ["num_hidden_layers", "nLayer"],
    ["vocab_size", "vocabSize"],
    ["state_size", "dState"],
    ["expand", "expand"],
    ["conv_kernel", "dConv"],
    ["time_step_rank", "dtRank"],
    ["use_conv_bias", "convBias"],
    ["use_bias", "projBias"],
    ["layer_norm_epsilon", "rmsNormEps"],
    ["tie_word_embeddings", "tieEmbeddings"],
    ["time_step_min", "dtMin"],
    ["time_step_max", "dtMax"],
    ["time_step_floor", "dtInitFloor"],
  ];
  const out: Record<string, unknown> = {};
  for (const [from, to] of map) if (hf[from] !== undefined) out[to] = hf[from];
  return out as Partial<MambaConfigInput>;
}
