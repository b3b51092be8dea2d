/**
 * Mutations of safetensors files that know the format: the length prefix (short, long,
 * 2^53, 2^64 − 1 …), the header text (edited bytes, numbers replaced by 1e999 or unsafe
 * integers, duplicated keys), the header's structure (dtypes, shapes, offsets that overlap,
 * leave gaps or run past the end, unknown fields, metadata of the wrong type, renamed,
 * added and removed tensors), and the data buffer.
 */
import { ITEM_SIZE, SAFETENSORS_DTYPES, type SafetensorsDtype } from "../../src/lib/io/safetensors-dtypes.ts";
import { parseSafetensors, serializeSafetensors, type SafetensorInput } from "../../src/lib/io/safetensors.ts";
import { concat, hostileValue, jsonText, mutateBytes, mutateValue, show } from "./mutate.ts";
import type { Rand } from "./rand.ts";

export interface MutatedSafetensors {
  bytes: Uint8Array;
  label: string;
}

interface Parts {
  /** Decoded header JSON. */
  header: Record<string, unknown>;
  data: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Splits a valid file into its header object and data buffer. */
export function splitSafetensors(bytes: Uint8Array): Parts {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(dec.decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>, data: bytes.slice(8 + n) };
}

/** A file from header text or bytes and data, with the true length unless `declared` is given; padded with spaces to 8 when `pad`. */
export function assemble(header: string | Uint8Array, data: Uint8Array, opts: { declared?: bigint; pad?: boolean } = {}): Uint8Array {
  let h = typeof header === "string" ? enc.encode(header) : header;
  if (opts.pad ?? true) {
    const padded = new Uint8Array(h.length + ((8 - (h.length % 8)) % 8)).fill(0x20);
    padded.set(h);
    h = padded;
  }
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, opts.declared ?? BigInt(h.length), true);
  return concat(prefix, h, data);
}

const LYING_LENGTHS = (trueLength: number, fileLength: number): bigint[] => [
  0n, 1n, 7n, 8n, BigInt(trueLength - 1), BigInt(trueLength + 1), BigInt(trueLength + 8), BigInt(fileLength - 8), BigInt(fileLength),
  BigInt(fileLength + 1), 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 100_000_000n, 100_000_001n,
];

/** Numbers that JSON.parse accepts but that are not safe non-negative integers, or text that is not JSON. */
const NUMBER_TEXT = ["1e999", "-1e999", "9007199254740993", "18446744073709551616", "1e-400", "-0", "0.0", "1E2", "4.5", "00", "0x10", "NaN", "Infinity", "-1"];

const DTYPE_VALUES: readonly unknown[] = [
  ...SAFETENSORS_DTYPES, "F8_E4M3", "F8_E5M2", "F4", "f32", "FLOAT", "", "F32 ", "I128", 5, null, ["F32"], { F32: 1 },
];

function tensorNames(header: Record<string, unknown>): string[] {
  return Object.keys(header).filter((k) => k !== "__metadata__");
}

interface Entry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
  [k: string]: unknown;
}

/** One structural edit of a header object (in place); returns its label. */
function mutateHeader(rand: Rand, header: Record<string, unknown>, dataLength: number): string {
  const names = tensorNames(header);
  const name = names.length > 0 ? rand.pick(names) : undefined;
  const entry = name !== undefined ? (header[name] as Entry) : undefined;
  const offsets = (e: Entry | undefined) =>
    Array.isArray(e?.data_offsets) && e.data_offsets.length === 2 ? (e.data_offsets as [number, number]) : ([0, 0] as [number, number]);
  const op = rand.weighted([
    [3, "dtype"],
    [4, "shape"],
    [5, "offsets"],
    [2, "overlap"],
    [2, "gap"],
    [2, "past-end"],
    [2, "retype"],
    [1, "unknown-field"],
    [1, "drop-field"],
    [2, "metadata"],
    [1, "rename"],
    [1, "remove"],
    [1, "add"],
    [1, "entry"],
  ] as const);
  if (entry === undefined || name === undefined) {
    header[`t${rand.int(5)}`] = { dtype: "F32", shape: [1], data_offsets: [0, 4] };
    return "add a tensor to an empty header";
  }
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    header[name] = { dtype: "F32", shape: [], data_offsets: [0, 4] };
    return `${name} (not an entry) = a 4-byte scalar at 0`;
  }
  switch (op) {
    case "dtype": {
      const v = rand.pick(DTYPE_VALUES);
      entry.dtype = v;
      return `${name}.dtype = ${show(v)}`;
    }
    case "shape": {
      const shape = Array.isArray(entry.shape) ? [...(entry.shape as unknown[])] : [];
      const how = rand.pick(["dim", "dim", "push", "pop", "replace", "scalar", "huge"] as const);
      if (how === "dim" && shape.length > 0) shape[rand.int(shape.length)] = rand.chance(0.5) ? hostileValue(rand) : (shape[0] as number) + rand.pick([-1, 1, 2]);
      else if (how === "push") shape.push(rand.pick([0, 1, 2, 2 ** 31, 2 ** 53, -1, 1.5]));
      else if (how === "pop") shape.pop();
      else if (how === "scalar") shape.length = 0;
      else if (how === "huge") shape.splice(0, shape.length, 2 ** 26, 2 ** 26, 2 ** 26);
      else {
        entry.shape = hostileValue(rand);
        return `${name}.shape = ${show(entry.shape)}`;
      }
      entry.shape = shape;
      return `${name}.shape ${how} → ${show(shape)}`;
    }
    case "offsets": {
      const [b, e] = offsets(entry);
      const how = rand.pick(["shift", "swap", "begin", "end", "hostile", "length"] as const);
      const v = rand.pick([0, 1, -1, 4, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, 0.5, dataLength, dataLength + 4]);
      if (how === "shift") {
        const d = rand.pick([-8, -4, -1, 1, 4, 8]);
        entry.data_offsets = [b + d, e + d];
      } else if (how === "swap") entry.data_offsets = [e, b];
      else if (how === "begin") entry.data_offsets = [v, e];
      else if (how === "end") entry.data_offsets = [b, v];
      else if (how === "length") entry.data_offsets = rand.pick([[b], [b, e, e], [], [String(b), e]]);
      else entry.data_offsets = hostileValue(rand);
      return `${name}.data_offsets ${how} → ${show(entry.data_offsets)}`;
    }
    case "overlap": {
      const other = header[rand.pick(names)] as Entry | null;
      entry.data_offsets = [...offsets(other ?? undefined)];
      entry.shape = other?.shape;
      entry.dtype = other?.dtype;
      return `${name} takes the offsets of another tensor`;
    }
    case "gap": {
      // Every tensor from this one on moves up by k bytes: a hole before it, and the end past the buffer.
      const [b0] = offsets(entry);
      const k = rand.pick([1, 4, 8]);
      for (const n of names) {
        const other = header[n];
        if (typeof other !== "object" || other === null || Array.isArray(other)) continue; // made a non-entry by an earlier edit
        const [b, e] = offsets(other as Entry);
        if (b >= b0) (other as Entry).data_offsets = [b + k, e + k];
      }
      return `gap of ${k} before ${name}`;
    }
    case "past-end": {
      const [b, e] = offsets(entry);
      const k = rand.pick([1, 4, 2 ** 20, 2 ** 40]);
      entry.data_offsets = [b, e + k];
      if (Array.isArray(entry.shape) && entry.shape.length > 0 && typeof entry.shape[0] === "number") {
        const item = ITEM_SIZE[entry.dtype as SafetensorsDtype] ?? 4;
        const rest = (entry.shape as number[]).slice(1).reduce((a, x) => a * x, 1);
        if (k % (item * rest) === 0) entry.shape = [(entry.shape[0] as number) + k / (item * rest), ...(entry.shape as number[]).slice(1)];
      }
      return `${name} runs ${k} bytes past its end`;
    }
    case "retype": {
      // Same bytes, another dtype of a different width, shape adjusted to stay consistent.
      const [b, e] = offsets(entry);
      const d = rand.pick(SAFETENSORS_DTYPES);
      const n = (e - b) / ITEM_SIZE[d];
      entry.dtype = d;
      entry.shape = Number.isInteger(n) ? [n] : [Math.floor(n)];
      return `${name} reinterpreted as ${d}${show(entry.shape)}`;
    }
    case "unknown-field": {
      const k = rand.pick(["offsets", "dtype ", "Shape", "data_offset", "__proto__", "extra"]);
      Object.defineProperty(entry, k, { value: hostileValue(rand), enumerable: true, writable: true, configurable: true });
      return `${name}.${k} added`;
    }
    case "drop-field": {
      const k = rand.pick(["dtype", "shape", "data_offsets"]);
      delete entry[k];
      return `${name}.${k} removed`;
    }
    case "metadata": {
      const v = rand.pick<unknown>([hostileValue(rand), { format: hostileValue(rand) }, { format: "pt", x: 1 }, { step: "-1" }, { step: "1e3" }, { step: "9007199254740993" }, { step: " 3" }, { step: "03" }, null, [], "pt"]);
      header.__metadata__ = v;
      return `__metadata__ = ${show(v)}`;
    }
    case "rename": {
      const to = rand.pick(["", " ", "__metadata__", "__proto__", "constructor", "é", "\u0000", `${name}.x`, "x".repeat(300), "backbone.layers.99999999.mixer.D", "backbone.embedding.weight", "lm_head.weight", "m.x", "v.", "m.vision.patch_embed.weight"]);
      const v = header[name];
      delete header[name];
      Object.defineProperty(header, to, { value: v, enumerable: true, writable: true, configurable: true });
      return `rename ${name} → ${show(to)}`;
    }
    case "remove":
      delete header[name];
      return `remove ${name}`;
    case "add": {
      const to = rand.pick(["extra", "backbone.layers.7.mixer.D", "backbone.layers.1e3.mixer.D", "backbone.layers.4294967296.norm.weight", "lm_head.weight", "m.unknown"]);
      const e = rand.pick([dataLength, 0]);
      header[to] = { dtype: "F32", shape: [rand.pick([0, 1, 2])], data_offsets: [e, e + 4 * rand.pick([0, 1, 2])] };
      return `add ${to}`;
    }
    case "entry": {
      const v = hostileValue(rand);
      header[name] = v;
      return `${name} = ${show(v)}`;
    }
  }
}

/**
 * 1–3 random mutations of a valid safetensors file: structural header edits re-encoded with
 * a true length, text edits of the header, lying length prefixes, raw byte edits.
 */
export function mutateSafetensors(rand: Rand, base: Uint8Array): MutatedSafetensors {
  const { header, data } = splitSafetensors(base);
  const kind = rand.weighted([
    [6, "structure"],
    [2, "number-text"],
    [1, "duplicate-key"],
    [2, "length"],
    [2, "header-bytes"],
    [1, "data-bytes"],
    [1, "any-bytes"],
    [1, "header-text"],
  ] as const);
  const text = () => jsonText(header);
  switch (kind) {
    case "structure": {
      const labels: string[] = [];
      for (let n = rand.range(1, 3); n > 0; n--) labels.push(mutateHeader(rand, header, data.length));
      return { bytes: assemble(text(), data), label: labels.join("; ") };
    }
    case "number-text": {
      const t = text();
      const numbers = [...t.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      if (numbers.length === 0) return { bytes: assemble(t, data), label: "no number to replace" };
      const m = rand.pick(numbers);
      const to = rand.pick(NUMBER_TEXT);
      return { bytes: assemble(t.slice(0, m.index) + to + t.slice(m.index! + m[0].length), data), label: `number ${m[0]} → ${to}` };
    }
    case "duplicate-key": {
      // Repeat one top-level entry's text: JSON.parse would keep the last silently.
      const names = Object.keys(header);
      if (names.length === 0) return { bytes: assemble("{}", data), label: "empty header" };
      const k = rand.pick(names);
      const t = text();
      const dup = `${JSON.stringify(k)}:${jsonText(header[k])}`;
      return { bytes: assemble(`{${dup},${t.slice(1)}`, data), label: `duplicate key ${show(k)}` };
    }
    case "length": {
      const h = enc.encode(text());
      const padded = h.length + ((8 - (h.length % 8)) % 8);
      const declared = rand.pick(LYING_LENGTHS(padded, 8 + padded + data.length));
      return { bytes: assemble(h, data, { declared }), label: `length prefix ${declared} (true ${padded})` };
    }
    case "header-bytes": {
      const h = assemble(text(), new Uint8Array(0));
      const m = mutateBytes(rand, h, 8, h.length);
      // Re-declare the (possibly changed) header length so the edit is seen by the JSON parser.
      const body = m.value.subarray(8);
      return { bytes: assemble(body, data, { pad: false }), label: `header ${m.label}` };
    }
    case "header-text": {
      const t = text();
      const edits = [
        ["BOM", `\ufeff${t}`],
        ["leading space", ` ${t}`],
        ["trailing garbage", `${t}x`],
        ["array", `[${t}]`],
        ["invalid UTF-8", new Uint8Array([...enc.encode(t.slice(0, -1)), 0xc3, 0x28, 0x7d])],
        ["NUL padding", new Uint8Array([...enc.encode(t), 0, 0, 0])],
        ["deep nesting", `{"__metadata__":${"[".repeat(5000)}${"]".repeat(5000)}}`],
        ["lone surrogate key", `{"\\ud800":1,${t.slice(1)}`],
      ] as const;
      const [what, h] = rand.pick(edits);
      return { bytes: assemble(h, data, { pad: false }), label: `header text: ${what}` };
    }
    case "data-bytes": {
      const m = mutateBytes(rand, data);
      return { bytes: assemble(text(), m.value), label: `data ${m.label}` };
    }
    case "any-bytes": {
      const m = mutateBytes(rand, base);
      return { bytes: m.value, label: `file ${m.label}` };
    }
  }
}

/**
 * 1–3 edits of the tensor set of a valid file, written back as a valid file: the container
 * is sound, so the loader's own checks (names, shapes, dtypes, layer numbering, the config
 * in `__metadata__`) are what must refuse it. `metadataKey` names a JSON-valued metadata
 * entry worth mutating (the Mamba config).
 */
export function mutateTensorSet(rand: Rand, base: Uint8Array, metadataKey?: string): { bytes: Uint8Array; label: string } {
  const parsed = parseSafetensors(base);
  const tensors = new Map<string, SafetensorInput>(parsed.tensors);
  let metadata: Record<string, string> | null = parsed.metadata === null ? null : { ...parsed.metadata };
  const labels: string[] = [];
  for (let n = rand.range(1, 3); n > 0; n--) {
    const names = [...tensors.keys()];
    const name = names.length > 0 ? rand.pick(names) : "x";
    const t = tensors.get(name);
    const op = rand.weighted([
      [3, "layer"],
      [2, "rename"],
      [2, "drop"],
      [2, "copy"],
      [3, "reshape"],
      [2, "retype"],
      [2, "metadata"],
    ] as const);
    if (op === "layer" || op === "rename") {
      const to =
        op === "layer"
          ? name.replace(/layers\.\d+/, `layers.${rand.pick(["0", "1", "2", "3", "7", "01", "99", "1000000", "4294967296", "99999999999999999999"])}`)
          : rand.pick(["backbone.embedding.weight", "backbone.embeddings.weight", "lm_head.weight", `${name}.extra`, "backbone.layers.0.mixer.dt_bias", "backbone.layers.0.mixer.norm.weight", "model.embed_tokens.weight", ""]);
      tensors.delete(name);
      if (t) tensors.set(to, t);
      labels.push(`rename ${name} → ${to}`);
    } else if (op === "drop") {
      tensors.delete(name);
      labels.push(`drop ${name}`);
    } else if (op === "copy" && t) {
      const to = rand.pick(["lm_head.weight", "backbone.embeddings.weight", name.replace(/layers\.\d+/, "layers.2"), "stray"]);
      tensors.set(to, t);
      labels.push(`copy ${name} → ${to}`);
    } else if (op === "reshape" && t) {
      const shape = rand.pick<number[]>([[...t.shape].reverse(), [...t.shape, 1], t.shape.slice(1), [t.shape[0]! + 1, ...t.shape.slice(1)], [0], [], [t.shape.reduce((a, b) => a * b, 1)]]);
      const numel = shape.reduce((a, b) => a * b, 1);
      tensors.set(name, { dtype: t.dtype, shape, data: Float32Array.from({ length: numel }, (_, i) => (i % 7) - 3) });
      labels.push(`reshape ${name} [${t.shape}] → [${shape}]`);
    } else if (op === "retype" && t) {
      const dtype = rand.pick(SAFETENSORS_DTYPES);
      tensors.set(name, { dtype, shape: t.shape, data: Float32Array.from(t.data, (v) => (dtype === "BOOL" || dtype.startsWith("U") ? 1 : Math.round(v))) });
      labels.push(`retype ${name} → ${dtype}`);
    } else if (op === "metadata") {
      const text = metadataKey !== undefined ? metadata?.[metadataKey] : undefined;
      if (text !== undefined && rand.chance(0.7)) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          value = text;
        }
        const m = mutateValue(rand, value, ["nLayer", "dModel", "rmsNormEps", "dtMin", "dtMax", "vocabSize"]);
        metadata = { ...metadata, [metadataKey!]: jsonText(m.value) };
        labels.push(`${metadataKey} ${m.label}`);
      } else {
        const v = rand.pick([null, {}, { format: "pt" }, { format: "meteor-playground/2" }, { [metadataKey ?? "x"]: "{" }, { [metadataKey ?? "x"]: "[1]" }, { [metadataKey ?? "x"]: "null" }]);
        metadata = v;
        labels.push(`__metadata__ = ${show(v)}`);
      }
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = serializeSafetensors(tensors, metadata);
  } catch {
    bytes = base;
    labels.push("(not writable: base kept)");
  }
  return { bytes, label: labels.join("; ") };
}
