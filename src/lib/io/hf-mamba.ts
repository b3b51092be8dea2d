/**
 * Loading and saving Mamba weights as safetensors, by the Hugging Face `MambaForCausalLM`
 * tensor names (state-spaces/mamba-*-hf). Original `mamba_ssm` names
 * (`backbone.embedding.weight`) are accepted and renamed. Any float dtype (F32, F16, BF16,
 * F64) is read into float32 tensors.
 *
 * Loading validates everything before creating a tensor: the file (SafetensorsError), then
 * the config read off the shapes, then every name and shape against `mambaParamShapes`
 * (CheckpointError listing each missing, unknown and misshapen tensor, expected vs got).
 */
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError, resolveMambaConfig, type MambaConfig, type MambaConfigInput } from "../mamba/config.ts";
import { mambaParamShapes, type MambaParams } from "../mamba/params.ts";
import { isFloatDtype } from "./safetensors-dtypes.ts";
import {
  decodeSafetensor,
  parseSafetensorsHeader,
  serializeSafetensors,
  type SafetensorInput,
  type SafetensorsHeader,
} from "./safetensors.ts";
import {
  CONFIG_METADATA_KEY,
  CheckpointError,
  configFromMetadata,
  inferMambaShapeConfig,
  toHfMambaName,
} from "./hf-mamba-config.ts";

export { CheckpointError, mambaConfigFromHf } from "./hf-mamba-config.ts";

export interface LoadMambaOptions {
  /** Fields that override what the checkpoint implies (e.g. `rmsNormEps` from a config.json). */
  config?: Partial<MambaConfigInput>;
}

export interface LoadedMamba {
  config: MambaConfig;
  /** Float32 tensors by HF name; the caller owns (and disposes) them. */
  params: MambaParams;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
const sameBytes = (bytes: Uint8Array, h: SafetensorsHeader, a: string, b: string): boolean => {
  const [ta, tb] = [h.tensors.get(a)!, h.tensors.get(b)!];
  if (ta.dtype !== tb.dtype || fmt(ta.shape) !== fmt(tb.shape)) return false;
  const ra = bytes.subarray(h.dataStart + ta.dataOffsets[0], h.dataStart + ta.dataOffsets[1]);
  const rb = bytes.subarray(h.dataStart + tb.dataOffsets[0], h.dataStart + tb.dataOffsets[1]);
  return ra.every((x, i) => x === rb[i]);
};

/** Reads a checkpoint into a config and float32 parameters. Throws before creating any tensor if it does not fit. */
export function loadMambaCheckpoint(bytes: Uint8Array, opts: LoadMambaOptions = {}): LoadedMamba {
  const header = parseSafetensorsHeader(bytes);

  const fileName = new Map<string, string>(); // HF name → name in the file
  for (const name of header.tensors.keys()) {
    const hf = toHfMambaName(name);
    const other = fileName.get(hf);
    if (other !== undefined) throw new CheckpointError(`tensors "${other}" and "${name}" are both "${hf}"`);
    fileName.set(hf, name);
  }
  const shapes = new Map([...fileName].map(([hf, f]) => [hf, header.tensors.get(f)!.shape]));
  const emb = fileName.get("backbone.embeddings.weight");
  const head = fileName.get("lm_head.weight");
  const headIsCopy = emb !== undefined && head !== undefined && sameBytes(bytes, header, emb, head);
  const inferred = inferMambaShapeConfig(shapes, headIsCopy);

  let config: MambaConfig;
  try {
    config = resolveMambaConfig({ ...inferred, ...configFromMetadata(header.metadata, inferred), ...opts.config });
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(`config from the checkpoint and options is invalid: ${e.message}`);
    throw e;
  }

  // Every layer has tensors of its own, so a layer count above the file's tensor count (one
  // name with layer index 10^6) cannot match; refuse it before listing that many names.
  if (config.nLayer > header.tensors.size) {
    throw new CheckpointError(
      `checkpoint does not match the Mamba config: nLayer ${config.nLayer} (from the highest "backbone.layers.{i}" index${opts.config?.nLayer !== undefined ? " or the options" : ""}) but the file holds only ${header.tensors.size} tensors`,
    );
  }
  const expected = mambaParamShapes(config);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const got = shapes.get(name);
    if (got === undefined) problems.push(`missing tensor "${name}" (expected ${fmt(shape)})`);
    else if (fmt(got) !== fmt(shape)) problems.push(`tensor "${name}" has shape ${fmt(got)}, expected ${fmt(shape)}`);
    else {
      const dtype = header.tensors.get(fileName.get(name)!)!.dtype;
      if (!isFloatDtype(dtype)) problems.push(`tensor "${name}" has dtype ${dtype}, expected a float type (F32, F16, BF16, F64)`);
    }
  }
  for (const [name, f] of fileName) {
    if (expected.has(name)) continue;
    if (name === "lm_head.weight" && config.tieEmbeddings && headIsCopy) continue; // a saved copy of the tied head
    problems.push(`unknown tensor "${f}" (shape ${fmt(shapes.get(name)!)}) for config ${describe(config)}`);
  }
  if (problems.length > 0) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
    throw new CheckpointError(`checkpoint does not match the Mamba config: ${problems.slice(0, 5).join("; ")}${more}`, problems);
  }

  const params: Record<string, tf.Tensor> = {};
  try {
    for (const [name, shape] of expected) {
      const { data } = decodeSafetensor(bytes, header, fileName.get(name)!);
      params[name] = tf.tensor(data as Float32Array, shape, "float32");
    }
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  return { config, params: Object.freeze(params) };
}

function describe(c: MambaConfig): string {
  return `{dModel ${c.dModel}, nLayer ${c.nLayer}, vocabSize ${c.vocabSize}, convBias ${c.convBias}, projBias ${c.projBias}, tieEmbeddings ${c.tieEmbeddings}}`;
}

export interface SaveMambaOptions {
  /** Element type in the file. Default F32; F16 and BF16 round to nearest-even. */
  dtype?: "F32" | "F16" | "BF16";
  /** Extra `__metadata__` entries. */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Serializes parameters under their HF names, with `format: "pt"` (what `transformers`
 * expects) and the resolved config as JSON in `__metadata__`, so `loadMambaCheckpoint`
 * restores the fields shapes cannot tell (epsilon, Δ init). Async: the tensors are read with
 * `await data()`, which every backend supports (WebGPU has no `dataSync`), all reads started
 * at once before the first await.
 */
export async function saveMambaCheckpoint(params: MambaParams, config: MambaConfig, opts: SaveMambaOptions = {}): Promise<Uint8Array> {
  const expected = mambaParamShapes(config);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const t = params[name];
    if (t === undefined) problems.push(`missing tensor "${name}" (expected ${fmt(shape)})`);
    else if (fmt(t.shape) !== fmt(shape)) problems.push(`tensor "${name}" has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
  }
  for (const name of Object.keys(params)) if (!expected.has(name)) problems.push(`unknown tensor "${name}"`);
  if (problems.length > 0) throw new CheckpointError(`parameters do not match the Mamba config: ${problems.join("; ")}`, problems);

  const dtype = opts.dtype ?? "F32";
  const tensors = new Map<string, SafetensorInput>();
  const names = [...expected.keys()];
  const values = await Promise.all(names.map((name) => params[name]!.data() as Promise<Float32Array>));
  names.forEach((name, i) => tensors.set(name, { dtype, shape: expected.get(name)!, data: values[i]! }));
  return serializeSafetensors(tensors, { format: "pt", [CONFIG_METADATA_KEY]: JSON.stringify(config), ...opts.metadata });
}
