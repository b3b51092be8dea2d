/**
 * Reading and writing the safetensors format (huggingface/safetensors), over bytes only.
 *
 *   [8 bytes: N, u64 little-endian] [N bytes: UTF-8 JSON header] [data buffer]
 *   header = { "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
 *              "__metadata__"?: {"<key>": "<string>"} }
 *
 * Offsets are relative to the start of the data buffer. The reader validates the header
 * completely before touching the data (`parseSafetensorsHeader`), and refuses anything the
 * format does not allow, naming the tensor: a header over 100 MB (the reference limit, so a
 * lying length cannot make us allocate), non-UTF-8 or non-JSON text, duplicate keys, unknown
 * dtypes, bad shapes or offsets, a byte count that disagrees with shape × dtype, tensors
 * that overlap, and holes or trailing bytes in the buffer (the spec requires the tensors
 * to cover it exactly). The writer reproduces the reference `serialize` byte for byte:
 * tensors sorted by descending dtype alignment then name, `__metadata__` first, compact
 * JSON padded with spaces to a multiple of 8.
 *
 * Divergences from the Rust reference: we also reject duplicate JSON keys and unknown
 * fields in a tensor entry (serde silently keeps the last / ignores them), and we require
 * the header to start with "{", as the format's README says it must.
 */
import {
  DtypeRangeError,
  ITEM_SIZE,
  UNSUPPORTED_DTYPES,
  SAFETENSORS_DTYPES,
  decodeValues,
  encodeValues,
  isDtype,
  type SafetensorsDtype,
  type TensorData,
} from "./safetensors-dtypes.ts";
import { findDuplicateKey } from "./json-duplicate-keys.ts";

export type { SafetensorsDtype, TensorData } from "./safetensors-dtypes.ts";

/** Largest header we accept, as in the reference implementation (MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

/** A malformed or unsupported file; the message names the problem and, where there is one, the tensor. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
  constructor(
    message: string,
    /** The tensor the problem is in, when it is in one. */
    readonly tensor?: string,
  ) {
    super(tensor === undefined ? `safetensors: ${message}` : `safetensors: tensor "${tensor}": ${message}`);
  }
}

/** One header entry, validated. */
export interface SafetensorInfo {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** [begin, end) in bytes, relative to the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  /** Entries by name (in header order, except that JavaScript lists integer-like names first). */
  readonly tensors: ReadonlyMap<string, SafetensorInfo>;
  /** `__metadata__`, or null when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Where the data buffer starts in the file: 8 + N. */
  readonly dataStart: number;
}

/** A decoded tensor: the file's dtype, its shape, and its values widened as `decodeValues` says. */
export interface Safetensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface ParsedSafetensors {
  readonly tensors: ReadonlyMap<string, Safetensor>;
  readonly metadata: Readonly<Record<string, string>> | null;
}

const ENTRY_KEYS = new Set(["dtype", "shape", "data_offsets"]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isNonNegInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

const show = (v: unknown): string => {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    // JSON.parse accepts nesting deeper than JSON.stringify's recursion can print.
    return Array.isArray(v) ? "a deeply nested array" : "a deeply nested object";
  }
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

function validateEntry(name: string, raw: unknown): SafetensorInfo {
  if (!isPlainObject(raw)) throw new SafetensorsError(`entry must be an object, got ${show(raw)}`, name);
  for (const k of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(k)) throw new SafetensorsError(`unknown field "${k}" (expected dtype, shape, data_offsets)`, name);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (!isDtype(dtype)) {
    const why = typeof dtype === "string" && UNSUPPORTED_DTYPES.has(dtype) ? "unsupported" : "unknown";
    throw new SafetensorsError(`${why} dtype ${show(dtype)}; supported: ${SAFETENSORS_DTYPES.join(", ")}`, name);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
    throw new SafetensorsError(`shape must be an array of non-negative integers, got ${show(shape)}`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
    throw new SafetensorsError(`data_offsets must be [begin, end] non-negative integers, got ${show(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`data_offsets [${begin}, ${end}] end before they begin`, name);
  const numel = shape.reduce((a: number, b: number) => a * b, 1);
  const nbytes = numel * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(nbytes)) throw new SafetensorsError(`shape ${show(shape)} is too large`, name);
  if (end - begin !== nbytes) {
    throw new SafetensorsError(
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ${show(shape)} of ${dtype} needs ${nbytes}`,
      name,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [begin, end] };
}

function validateMetadata(raw: unknown): Record<string, string> | null {
  if (raw === null) return null;
  if (!isPlainObject(raw)) throw new SafetensorsError(`__metadata__ must be an object of strings, got ${show(raw)}`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw new SafetensorsError(`__metadata__ value for key "${k}" must be a string, got ${show(v)}`);
  }
  return { ...(raw as Record<string, string>) };
}

/** Checks that the tensors tile [0, bufferLength) exactly: no overlap, no hole, nothing after. */
function checkCoverage(tensors: ReadonlyMap<string, SafetensorInfo>, bufferLength: number): void {
  const byOffset = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, { dataOffsets: [begin, end] }] of byOffset) {
    if (end > bufferLength) {
      throw new SafetensorsError(`data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer`, name);
    }
    if (begin < cursor) {
      throw new SafetensorsError(`data_offsets [${begin}, ${end}] overlap tensor "${previous}" (which ends at ${cursor})`, name);
    }
    if (begin > cursor) {
      throw new SafetensorsError(
        `gap of ${begin - cursor} unused bytes in the data buffer before it (bytes [${cursor}, ${begin}) belong to no tensor)`,
        name,
      );
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== bufferLength) {
    throw new SafetensorsError(`${bufferLength - cursor} trailing unused bytes after the last tensor (data buffer is ${bufferLength} bytes, tensors end at ${cursor})`);
  }
}

/** Reads and validates the header; the data buffer is checked for coverage but not decoded. */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length prefix`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataStart = 8 + Number(n);
  if (dataStart > bytes.byteLength) {
    throw new SafetensorsError(`header length ${n} runs past the end of the ${bytes.byteLength}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw new SafetensorsError("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new SafetensorsError(`header must start with "{", got ${show(text.slice(0, 20))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError("header must be a JSON object");
  const dup = findDuplicateKey(text);
  if (dup !== null) throw new SafetensorsError(`header has duplicate key "${dup.key}"${dup.path ? ` in "${dup.path}"` : ""}`);

  let metadata: Record<string, string> | null = null;
  const tensors = new Map<string, SafetensorInfo>();
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") metadata = validateMetadata(raw);
    else tensors.set(name, validateEntry(name, raw));
  }
  checkCoverage(tensors, bytes.byteLength - dataStart);
  return { tensors, metadata, dataStart };
}

/** Decodes one tensor of an already validated header. */
export function decodeSafetensor(bytes: Uint8Array, header: SafetensorsHeader, name: string): Safetensor {
  const info = header.tensors.get(name);
  if (info === undefined) throw new SafetensorsError("no such tensor in the file", name);
  const [begin, end] = info.dataOffsets;
  try {
    const data = decodeValues(bytes.subarray(header.dataStart + begin, header.dataStart + end), info.dtype);
    return { dtype: info.dtype, shape: info.shape, data };
  } catch (e) {
    if (e instanceof DtypeRangeError) throw new SafetensorsError(`${info.dtype} ${e.message}`, name);
    throw e;
  }
}

/** Parses a whole file: validates the header, then decodes every tensor. */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  const header = parseSafetensorsHeader(bytes);
  const tensors = new Map<string, Safetensor>();
  for (const name of header.tensors.keys()) tensors.set(name, decodeSafetensor(bytes, header, name));
  return { tensors, metadata: header.metadata };
}

// ---------------------------------------------------------------------------------------
// Writing

/** What `serializeSafetensors` takes per tensor: values are encoded to `dtype` (rounded for F16/BF16). */
export interface SafetensorInput {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

const DTYPE_RANK = new Map<string, number>(SAFETENSORS_DTYPES.map((d, i) => [d, i]));

/**
 * Serializes tensors (and optional string metadata) into a safetensors file. Output is
 * identical to the reference `safetensors.serialize` for the same inputs (metadata keys
 * are written in the order given).
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, SafetensorInput> | Readonly<Record<string, SafetensorInput>>,
  metadata?: Readonly<Record<string, string>> | null,
): Uint8Array {
  const entries: [string, SafetensorInput][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  if (metadata != null) validateMetadata(metadata);
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    if (!isDtype(t.dtype)) throw new SafetensorsError(`unknown dtype ${show(t.dtype)}`, name);
    if (!t.shape.every(isNonNegInt)) throw new SafetensorsError(`shape must be non-negative integers, got ${show(t.shape)}`, name);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) {
      throw new SafetensorsError(`shape ${show(t.shape)} has ${numel} elements but data has ${t.data.length}`, name);
    }
  }
  // Descending alignment (the reference Dtype order), then name: every tensor starts aligned.
  entries.sort(([na, a], [nb, b]) => DTYPE_RANK.get(b.dtype)! - DTYPE_RANK.get(a.dtype)! || (na < nb ? -1 : na > nb ? 1 : 0));

  // Assembled by hand, not from an object: JavaScript would move integer-like names ("0") first.
  const fields: string[] = [];
  if (metadata != null) {
    const kv = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    fields.push(`"__metadata__":{${kv.join(",")}}`);
  }
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    let bytes: Uint8Array;
    try {
      bytes = encodeValues(t.data, t.dtype);
    } catch (e) {
      if (e instanceof DtypeRangeError) throw new SafetensorsError(e.message, name);
      throw e;
    }
    const info = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    payloads.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const padded = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);
  let at = 8 + padded;
  for (const p of payloads) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
