/**
 * Fuzz targets over safetensors files: `parseSafetensors` on a mixed-dtype file and on
 * PyTorch-written golden files, and `loadMambaCheckpoint` on Mamba checkpoints (ours and
 * PyTorch's, F16, F32 and BF16), mutated by `mutateSafetensors` or, keeping the container valid,
 * by `mutateTensorSet` (renamed layers, dropped and copied tensors, reshapes, dtypes, the
 * config in `__metadata__`).
 *
 * A success must agree with the bytes: the tensors tile the data buffer exactly (checked
 * independently of the parser), each decoded array has prod(shape) elements of the kind
 * its dtype decodes to, and holds a NaN exactly where the file's bits are a NaN. A Mamba
 * load must return exactly `mambaParamShapes(config)` as float32 tensors.
 */
import * as tf from "../../../src/lib/tf.ts";
import { CONFIG_METADATA_KEY } from "../../../src/lib/io/hf-mamba-config.ts";
import { CheckpointError, loadMambaCheckpoint, saveMambaCheckpoint, type LoadedMamba } from "../../../src/lib/io/hf-mamba.ts";
import { ITEM_SIZE, arrayKindOf, type SafetensorsDtype } from "../../../src/lib/io/safetensors-dtypes.ts";
import {
  SafetensorsError,
  parseSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
  type ParsedSafetensors,
  type SafetensorsHeader,
} from "../../../src/lib/io/safetensors.ts";
import { resolveMambaConfig } from "../../../src/lib/mamba/config.ts";
import { initMambaParams, mambaParamShapes } from "../../../src/lib/mamba/params.ts";
import { goldenBytes } from "../../golden/golden.ts";
import type { FuzzTarget, Outcome } from "../harness.ts";
import { mutateValue } from "../mutate.ts";
import { mutateSafetensors, mutateTensorSet } from "../safetensors-mutate.ts";

const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** NaNs among the `dtype` values in `bytes` (floats only; integers have none). */
export function sourceNaNs(bytes: Uint8Array, dtype: SafetensorsDtype): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (dtype === "F32") {
      const b = dv.getUint32(4 * i, true);
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) count++;
    } else if (dtype === "F64") {
      if (Number.isNaN(dv.getFloat64(8 * i, true))) count++;
    } else if (dtype === "F16") {
      const h = dv.getUint16(2 * i, true);
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) count++;
    } else if (dtype === "BF16") {
      const h = dv.getUint16(2 * i, true);
      if ((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0) count++;
    }
  }
  return count;
}

export const countNaNs = (values: ArrayLike<number>): number => {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) n++;
  return n;
};

/** The bytes of tensor `name` in a file whose header is `h`. */
export const tensorBytes = (bytes: Uint8Array, h: SafetensorsHeader, name: string): Uint8Array => {
  const [b, e] = h.tensors.get(name)!.dataOffsets;
  return bytes.subarray(h.dataStart + b, h.dataStart + e);
};

/** Independent check that the header's tensors tile the data buffer with the right sizes; a problem or null. */
export function coverageProblem(bytes: Uint8Array, h: SafetensorsHeader): string | null {
  const declared = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (h.dataStart !== 8 + declared) return `dataStart ${h.dataStart} but the prefix says ${declared}`;
  // By (begin, end), as the reference does: an empty tensor at [0, 0) comes before one at [0, 64).
  const spans = [...h.tensors]
    .map(([name, t]) => ({ name, t }))
    .sort((a, b) => a.t.dataOffsets[0] - b.t.dataOffsets[0] || a.t.dataOffsets[1] - b.t.dataOffsets[1]);
  let cursor = 0;
  for (const { name, t } of spans) {
    const [b, e] = t.dataOffsets;
    if (b !== cursor) return `accepted "${name}" at [${b}, ${e}) where the previous tensor ends at ${cursor}`;
    if (e - b !== prod(t.shape) * ITEM_SIZE[t.dtype]) return `accepted "${name}" with ${e - b} bytes for shape [${t.shape}] of ${t.dtype}`;
    cursor = e;
  }
  if (cursor !== bytes.length - h.dataStart) return `accepted tensors ending at ${cursor} in a ${bytes.length - h.dataStart}-byte buffer`;
  return null;
}

/** A mixed file: every dtype family, a scalar, an empty tensor, metadata. */
function mixedFile(): Uint8Array {
  return serializeSafetensors(
    {
      w: { dtype: "F32", shape: [2, 3], data: [1, -2, 3.5, 0, -0, 1e-30] },
      h: { dtype: "F16", shape: [4], data: [1, -1, 65504, 6e-8] },
      b: { dtype: "BF16", shape: [3], data: [1, 3e38, -2] },
      d: { dtype: "F64", shape: [2], data: [1e300, -1e-300] },
      i: { dtype: "I64", shape: [2], data: [-5, 2147483647] },
      u: { dtype: "U8", shape: [5], data: [0, 1, 2, 254, 255] },
      s: { dtype: "I16", shape: [], data: [-7] },
      z: { dtype: "BOOL", shape: [2, 0], data: [] },
    },
    { format: "pt", note: "fuzz" },
  );
}

let safetensorsBases: Uint8Array[] | undefined;

export const safetensorsTarget: FuzzTarget<Uint8Array, ParsedSafetensors> = {
  name: "safetensors",
  about: "mutated safetensors files → parseSafetensors",
  errors: [SafetensorsError],
  ciCount: 1000,
  async setup() {
    safetensorsBases ??= [mixedFile(), goldenBytes("dtypes.safetensors"), goldenBytes("mamba-tiny-bf16.safetensors")];
  },
  generate(rand) {
    const base = rand.pick(safetensorsBases!);
    const m = mutateSafetensors(rand, base);
    return { input: m.bytes, label: m.label };
  },
  call: (bytes) => parseSafetensors(bytes),
  check(outcome: Outcome<ParsedSafetensors>, bytes) {
    if (!outcome.ok) return null;
    const h = parseSafetensorsHeader(bytes);
    const cov = coverageProblem(bytes, h);
    if (cov !== null) return cov;
    for (const [name, t] of outcome.value.tensors) {
      const info = h.tensors.get(name)!;
      if (t.data.length !== prod(info.shape)) return `"${name}": ${t.data.length} values for shape [${info.shape}]`;
      const kind = arrayKindOf(info.dtype);
      const expected = kind === "float32" ? Float32Array : kind === "int32" ? Int32Array : Uint8Array;
      if (!(t.data instanceof expected)) return `"${name}" (${info.dtype}) decoded to ${t.data.constructor.name}`;
      const nan = countNaNs(t.data);
      const src = sourceNaNs(tensorBytes(bytes, h, name), info.dtype);
      if (nan !== src) return `"${name}" (${info.dtype}) holds ${nan} NaN but the file has ${src}`;
    }
    return null;
  },
};

interface MambaInput {
  bytes: Uint8Array;
  config?: Record<string, unknown>;
}

let mambaBases: Uint8Array[] | undefined;

async function ourMambaFile(): Promise<Uint8Array> {
  const cfg = resolveMambaConfig({ dModel: 8, nLayer: 2, vocabSize: 11, dState: 3, dConv: 2, tieEmbeddings: false, projBias: true });
  const params = initMambaParams(cfg, 3);
  try {
    return await saveMambaCheckpoint(params, cfg, { dtype: "F16" });
  } finally {
    tf.dispose(Object.values(params));
  }
}

export const mambaTarget: FuzzTarget<MambaInput, LoadedMamba> = {
  name: "hf-mamba",
  about: "mutated Mamba safetensors (+ option overrides) → loadMambaCheckpoint",
  errors: [SafetensorsError, CheckpointError],
  ciCount: 800,
  async setup() {
    mambaBases ??= [await ourMambaFile(), goldenBytes("mamba-tiny.safetensors"), goldenBytes("mamba-tiny-bf16.safetensors")];
  },
  generate(rand) {
    const base = rand.pick(mambaBases!);
    const m = rand.chance(0.5) ? mutateTensorSet(rand, base, CONFIG_METADATA_KEY) : mutateSafetensors(rand, base);
    if (rand.chance(0.1)) {
      const c = mutateValue(rand, { rmsNormEps: 1e-5, dtMin: 0.001 } as Record<string, unknown>, ["nLayer", "dModel", "vocabSize", "dState", "dtRank"]);
      return { input: { bytes: m.bytes, config: c.value }, label: `${m.label}; options.config ${c.label}` };
    }
    return { input: { bytes: m.bytes }, label: m.label };
  },
  call: ({ bytes, config }) => loadMambaCheckpoint(bytes, config === undefined ? {} : { config }),
  check(outcome, { bytes }) {
    if (!outcome.ok) return null;
    const { config, params } = outcome.value;
    const expected = mambaParamShapes(config);
    const got = Object.keys(params);
    if (got.length !== expected.size || got.some((n) => !expected.has(n))) return `returned tensors [${got.join(", ")}] do not match the config`;
    const h = parseSafetensorsHeader(bytes);
    const fileName = (n: string) => (h.tensors.has(n) ? n : n === "backbone.embeddings.weight" ? "backbone.embedding.weight" : n);
    for (const [name, shape] of expected) {
      const t = params[name]!;
      if (t.dtype !== "float32" || t.shape.join() !== shape.join()) return `"${name}" is ${t.dtype} [${t.shape}], expected float32 [${shape}]`;
      const info = h.tensors.get(fileName(name));
      if (info === undefined) return `"${name}" returned but not in the file`;
      const nan = countNaNs(t.dataSync());
      const src = sourceNaNs(tensorBytes(bytes, h, fileName(name)), info.dtype);
      if (nan !== src) return `"${name}" holds ${nan} NaN but the file has ${src}`;
    }
    return null;
  },
  dispose: ({ params }) => tf.dispose(Object.values(params)),
};
