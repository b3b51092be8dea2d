/**
 * Every way a safetensors file can be malformed is refused with a SafetensorsError whose
 * message says what is wrong and, where it is about one tensor, which.
 */
import { describe, expect, it } from "vitest";
import { MAX_HEADER_BYTES, parseSafetensors, SafetensorsError, serializeSafetensors } from "../../src/lib/io/safetensors.ts";
import { goldenBytes } from "../golden/golden.ts";

const enc = new TextEncoder();

/** A file from raw header text and a data buffer of `dataBytes` bytes (no validation). */
function file(header: string | Uint8Array, dataBytes: number | Uint8Array = 0, declaredLength?: bigint): Uint8Array {
  const h = typeof header === "string" ? enc.encode(header) : header;
  const data = typeof dataBytes === "number" ? new Uint8Array(dataBytes) : dataBytes;
  const out = new Uint8Array(8 + h.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.byteLength), true);
  out.set(h, 8);
  out.set(data, 8 + h.byteLength);
  return out;
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => JSON.stringify({ dtype, shape, data_offsets: offsets });

function expectError(bytes: Uint8Array, pattern: RegExp, tensor?: string): SafetensorsError {
  let caught: unknown;
  try {
    parseSafetensors(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught, "should have thrown").toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.message).toMatch(pattern);
  expect(err.tensor).toBe(tensor);
  if (tensor !== undefined) expect(err.message).toContain(`tensor "${tensor}"`);
  return err;
}

describe("length prefix and header text", () => {
  it("a file shorter than 8 bytes", () => {
    for (const n of [0, 1, 7]) expectError(new Uint8Array(n), new RegExp(`file is ${n} bytes, shorter than the 8-byte`));
  });

  it("a real file truncated anywhere", () => {
    const bytes = goldenBytes("mamba-tiny.safetensors");
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expectError(bytes.subarray(0, 5), /shorter than the 8-byte/);
    for (const cut of [8, 9, 100, headerEnd - 1]) expectError(bytes.subarray(0, cut), /header length \d+ runs past the end/);
    expectError(bytes.subarray(0, headerEnd), /run past the end of the 0-byte data buffer/, "backbone.embeddings.weight");
    // Cut inside the data: the tensor reaching over the cut is named.
    expectError(bytes.subarray(0, headerEnd + 100), /data_offsets \[0, 2368\] run past the end of the 100-byte data buffer/, "backbone.embeddings.weight");
    expectError(bytes.subarray(0, bytes.byteLength - 1), /run past the end of the \d+-byte data buffer/, "backbone.norm_f.weight");
  });

  it("a header length larger than the file, or absurd, is refused before any allocation", () => {
    expectError(file("{}", 0, 1000n), /header length 1000 runs past the end of the 10-byte file/);
    expectError(file("{}", 0, BigInt(MAX_HEADER_BYTES) + 1n), /header length 100000001 exceeds the 100000000-byte limit/);
    expectError(file("{}", 0, 2n ** 64n - 1n), /header length 18446744073709551615 exceeds/);
  });

  it("a header that is not UTF-8", () => {
    expectError(file(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /header is not valid UTF-8/);
  });

  it("a header that is not JSON, or not an object", () => {
    expectError(file('{"a": '), /header is not valid JSON/);
    expectError(file("{} x"), /header is not valid JSON/);
    expectError(file("[1, 2]"), /header must start with "\{"/);
    expectError(file("  {}"), /header must start with "\{"/);
    expectError(file(""), /header must start with "\{"/);
  });

  it("accepts trailing space padding, rejects other trailing text", () => {
    expect(parseSafetensors(file("{}      ")).tensors.size).toBe(0);
    expectError(file("{}\u0000\u0000"), /header is not valid JSON/);
  });

  it("duplicate keys", () => {
    const e = entry("F32", [1], [0, 4]);
    expectError(file(`{"w":${e},"w":${e}}`, 8), /header has duplicate key "w"/);
    expectError(file(`{"__metadata__":{"a":"1","a":"2"}}`), /duplicate key "a" in "__metadata__"/);
    expectError(file(`{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), /duplicate key "dtype" in "w"/);
    // The same text as a key and as a value is not a duplicate.
    expect(parseSafetensors(file(`{"__metadata__":{"a":"a","b":"a"}}`)).metadata).toEqual({ a: "a", b: "a" });
  });
});

describe("metadata", () => {
  it("values must be strings", () => {
    expectError(file('{"__metadata__":{"epochs":3}}'), /__metadata__ value for key "epochs" must be a string, got 3/);
    expectError(file('{"__metadata__":["a"]}'), /__metadata__ must be an object of strings/);
    expect(parseSafetensors(file('{"__metadata__":null}')).metadata).toBeNull();
  });
});

describe("tensor entries", () => {
  it("an entry that is not an object, or has unknown fields", () => {
    expectError(file('{"w":[1,2]}'), /entry must be an object/, "w");
    expectError(file(`{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4],"offsets":[0,4]}}`, 4), /unknown field "offsets"/, "w");
  });

  it("unknown and unsupported dtypes", () => {
    expectError(file(`{"w":${entry("F128", [1], [0, 16])}}`, 16), /unknown dtype "F128"/, "w");
    expectError(file(`{"w":${entry("float32", [1], [0, 4])}}`, 4), /unknown dtype "float32"/, "w");
    expectError(file(`{"w":${entry("F8_E4M3", [1], [0, 1])}}`, 1), /unsupported dtype "F8_E4M3"/, "w");
    expectError(file(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, 4), /unknown dtype undefined/, "w");
  });

  it("shapes that are not arrays of non-negative integers", () => {
    for (const shape of [[-1], [1.5], ["2"], 4, null, [2 ** 60]]) {
      expectError(file(`{"w":${entry("F32", shape, [0, 4])}}`, 4), /shape must be an array of non-negative integers/, "w");
    }
  });

  it("shapes whose byte size overflows", () => {
    expectError(file(`{"w":${entry("F32", [2 ** 30, 2 ** 30], [0, 4])}}`, 4), /shape \[1073741824,1073741824\] is too large/, "w");
  });

  it("data_offsets that are not [begin, end] integers", () => {
    for (const offsets of [[0], [0, 4, 8], [0, "4"], [-4, 0], [0.5, 4.5], "0-4", null]) {
      expectError(file(`{"w":${entry("F32", [1], offsets)}}`, 4), /data_offsets must be \[begin, end\] non-negative integers/, "w");
    }
    expectError(file(`{"w":${entry("F32", [], [4, 0])}}`, 4), /data_offsets \[4, 0\] end before they begin/, "w");
  });

  it("a byte count that disagrees with shape × dtype", () => {
    expectError(file(`{"w":${entry("F32", [2, 3], [0, 12])}}`, 12), /data_offsets \[0, 12\] span 12 bytes but shape \[2,3\] of F32 needs 24/, "w");
    expectError(file(`{"w":${entry("BF16", [3], [0, 12])}}`, 12), /span 12 bytes but shape \[3\] of BF16 needs 6/, "w");
  });
});

describe("the data buffer must be covered exactly", () => {
  const a = (offsets: [number, number]) => entry("F32", [(offsets[1] - offsets[0]) / 4], offsets);

  it("offsets past the end of the buffer", () => {
    expectError(file(`{"w":${a([0, 8])}}`, 4), /data_offsets \[0, 8\] run past the end of the 4-byte data buffer/, "w");
    expectError(file(`{"u":${a([0, 4])},"w":${a([4, 12])}}`, 8), /run past the end of the 8-byte data buffer/, "w");
  });

  it("overlapping tensors name both", () => {
    expectError(file(`{"u":${a([0, 8])},"w":${a([4, 12])}}`, 12), /data_offsets \[4, 12\] overlap tensor "u" \(which ends at 8\)/, "w");
    expectError(file(`{"u":${a([0, 8])},"w":${a([0, 8])}}`, 8), /overlap tensor "u"/, "w");
  });

  it("a hole between tensors or before the first", () => {
    expectError(file(`{"u":${a([0, 4])},"w":${a([8, 12])}}`, 12), /gap of 4 unused bytes in the data buffer before it \(bytes \[4, 8\)/, "w");
    expectError(file(`{"w":${a([4, 8])}}`, 8), /gap of 4 unused bytes/, "w");
  });

  it("trailing bytes after the last tensor", () => {
    expectError(file(`{"w":${a([0, 4])}}`, 7), /3 trailing unused bytes after the last tensor \(data buffer is 7 bytes, tensors end at 4\)/);
    expectError(file("{}", 1), /1 trailing unused bytes/);
  });

  it("empty tensors may share an offset; the order in the header does not matter", () => {
    const bytes = file(`{"w":${a([4, 8])},"e":${entry("F32", [0, 5], [4, 4])},"u":${a([0, 4])},"f":${entry("I8", [0], [8, 8])}}`, 8);
    const { tensors } = parseSafetensors(bytes);
    expect([...tensors.keys()].sort()).toEqual(["e", "f", "u", "w"]);
    expect(tensors.get("e")!.data.length).toBe(0);
  });
});

describe("values", () => {
  it("a BOOL byte other than 0 or 1", () => {
    expectError(file(`{"b":${entry("BOOL", [2], [0, 2])}}`, new Uint8Array([1, 7])), /BOOL element 1 = 7 is not a boolean/, "b");
  });

  it("what we write is always accepted", () => {
    const bytes = serializeSafetensors({ x: { dtype: "F16", shape: [3], data: [1, 2, 3] }, y: { dtype: "U8", shape: [1], data: [1] } }, { a: "b" });
    expect(() => parseSafetensors(bytes)).not.toThrow();
  });
});
