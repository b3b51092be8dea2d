/**
 * safetensors reading and writing: known-answer bytes from the reference implementation's
 * own tests, byte-exact agreement with the files `make_golden.py` writes, every dtype's
 * conversion, and round trips.
 */
import { describe, expect, it } from "vitest";
import {
  parseSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
  type SafetensorInput,
  type SafetensorsDtype,
} from "../../src/lib/io/safetensors.ts";
import {
  bf16BitsToNumber,
  f16BitsToNumber,
  numberToBf16Bits,
  numberToF16Bits,
  SAFETENSORS_DTYPES,
} from "../../src/lib/io/safetensors-dtypes.ts";
import { goldenBytes } from "../golden/golden.ts";

const enc = new TextEncoder();
const f32Bytes = (xs: number[]) => Array.from(new Uint8Array(new Float32Array(xs).buffer));
const sameValues = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]) || (Number.isNaN(x) && Number.isNaN(b[i]!)));

describe("known answers from huggingface/safetensors (tensor.rs tests)", () => {
  it("serializes one F32 tensor exactly as test_serialization", () => {
    const out = serializeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5] } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(out)).toEqual([64, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(header), ...f32Bytes([0, 1, 2, 3, 4, 5])]);
  });

  it("pads the header with spaces to a multiple of 8 (test_serialization_forced_alignement)", () => {
    const out = serializeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: [0, 1, 2, 3, 4, 5] } });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect(Array.from(out)).toEqual([72, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(header), ...f32Bytes([0, 1, 2, 3, 4, 5])]);
  });

  it("writes an empty file and metadata exactly as test_empty", () => {
    expect(Array.from(serializeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMeta = serializeSafetensors({}, { framework: "pt" });
    expect(Array.from(withMeta)).toEqual([40, 0, 0, 0, 0, 0, 0, 0, ...enc.encode('{"__metadata__":{"framework":"pt"}}     ')]);
    expect(parseSafetensors(withMeta).metadata).toEqual({ framework: "pt" });
    expect(parseSafetensors(serializeSafetensors({})).metadata).toBeNull();
  });

  it("reads the docstring example (I32 [2,2] with an unpadded 60-byte header)", () => {
    const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    const bytes = new Uint8Array([60, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(header), ...new Array(16).fill(0)]);
    const t = parseSafetensors(bytes).tensors.get("test")!;
    expect(t).toEqual({ dtype: "I32", shape: [2, 2], data: new Int32Array(4) });
  });
});

describe("files written by make_golden.py", () => {
  for (const file of ["mamba-tiny.safetensors", "mamba-tiny-bf16.safetensors", "dtypes.safetensors"]) {
    it(`${file}: re-serializing what we parsed gives the same bytes`, () => {
      const bytes = goldenBytes(file);
      const { tensors, metadata } = parseSafetensors(bytes);
      const again = serializeSafetensors(
        new Map([...tensors].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: t.data }])),
        metadata,
      );
      expect(again.byteLength).toBe(bytes.byteLength);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  it("mamba-tiny.safetensors holds the expected tensors and metadata", () => {
    const { tensors, metadata } = parseSafetensors(goldenBytes("mamba-tiny.safetensors"));
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.size).toBe(1 + 2 * 10 + 1);
    const emb = tensors.get("backbone.embeddings.weight")!;
    expect(emb.dtype).toBe("F32");
    expect(emb.shape).toEqual([37, 16]);
    expect(emb.data).toBeInstanceOf(Float32Array);
    expect(emb.data.length).toBe(37 * 16);
  });

  const dtypes = parseSafetensors(goldenBytes("dtypes.safetensors")).tensors;
  const get = (name: string) => dtypes.get(name)!;

  it("decodes F16 and BF16 to the exact values numpy / torch give", () => {
    expect(get("f16").data).toBeInstanceOf(Float32Array);
    expect(sameValues(get("f16").data, get("f16_as_f64").data)).toBe(true);
    expect(sameValues(get("bf16").data, get("bf16_as_f64").data)).toBe(true);
  });

  it("encodes F32 → F16 and F32 → BF16 with the same rounding as numpy / torch (ties, subnormals, overflow)", () => {
    const src = get("f32").data;
    const cases = [
      ["f16", numberToF16Bits, (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0],
      ["bf16", numberToBf16Bits, (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0],
    ] as const;
    for (const [name, toBits, isNaNBits] of cases) {
      const theirs = Array.from(get(name).data, toBits); // exact: the file's values are representable
      const ours = Array.from(src, toBits);
      for (let i = 0; i < src.length; i++) {
        // NaN payloads are the writer's choice (torch's vectorised BF16 cast gives 0xffff, we give 0x7fc0).
        if (isNaNBits(theirs[i]!)) expect(isNaNBits(ours[i]!), `${name}[${i}] NaN`).toBe(true);
        else expect(ours[i], `${name}[${i}] from ${src[i]}`).toBe(theirs[i]);
      }
    }
  });

  it("decodes F64 to float32 and the integer types to Int32Array / Uint8Array", () => {
    expect(sameValues(get("f64").data, get("f32").data)).toBe(true);
    expect(get("i64")).toEqual({ dtype: "I64", shape: [2, 4], data: Int32Array.from([0, 1, -1, 127, -128, 2 ** 31 - 1, -(2 ** 31), 123456789]) });
    expect(get("i32").data).toEqual(get("i64").data);
    expect(get("i16").data).toEqual(Int32Array.from([0, 1, -1, 32767, -32768]));
    expect(get("i8").data).toEqual(Int32Array.from([0, 1, -1, 127, -128]));
    expect(get("u8")).toEqual({ dtype: "U8", shape: [2, 2], data: Uint8Array.from([0, 1, 128, 255]) });
    expect(get("bool").data).toEqual(Uint8Array.from([1, 0, 1]));
    expect(get("empty")).toEqual({ dtype: "F32", shape: [0, 3], data: new Float32Array(0) });
    expect(get("scalar")).toEqual({ dtype: "F32", shape: [], data: Float32Array.from([7.5]) });
  });
});

describe("dtype conversions", () => {
  it("F16 bits ↔ numbers at the edges", () => {
    const cases: [number, number][] = [
      [0x0000, 0], [0x8000, -0], [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0400, 2 ** -14],
      [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x7c00, Infinity], [0xfc00, -Infinity], [0x3555, 0.333251953125],
    ];
    for (const [bits, x] of cases) {
      expect(f16BitsToNumber(bits)).toBe(x);
      expect(numberToF16Bits(x)).toBe(bits);
    }
    expect(f16BitsToNumber(0x7e00)).toBeNaN();
    expect(numberToF16Bits(65520)).toBe(0x7c00); // rounds up to Inf
    expect(numberToF16Bits(2 ** -25)).toBe(0); // tie to even: 0
    expect(numberToF16Bits(3 * 2 ** -25)).toBe(2); // tie to even: 2 units
    expect(numberToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normals
  });

  it("BF16 bits ↔ numbers, round to nearest even", () => {
    expect(numberToBf16Bits(1)).toBe(0x3f80);
    expect(numberToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(numberToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even
    expect(numberToBf16Bits(-Infinity)).toBe(0xff80);
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(numberToBf16Bits(NaN))).toBeNaN();
  });

  it("F64 → float32 rounds, integers outside int32 are refused on read", () => {
    const f64 = serializeSafetensors({ x: { dtype: "F64", shape: [2], data: [0.1, 1e300] } });
    expect(Array.from(parseSafetensors(f64).tensors.get("x")!.data)).toEqual([Math.fround(0.1), Infinity]);
    const big = serializeSafetensors({ x: { dtype: "I64", shape: [2], data: [1, 2 ** 40] } });
    expect(() => parseSafetensors(big)).toThrow(/tensor "x": I64 element 1 = 1099511627776 does not fit in int32/);
    const u32 = serializeSafetensors({ x: { dtype: "U32", shape: [1], data: [2 ** 31] } });
    expect(() => parseSafetensors(u32)).toThrow(/tensor "x": U32 element 0 = 2147483648 does not fit in int32/);
  });

  it("refuses values the target dtype cannot hold when writing", () => {
    expect(() => serializeSafetensors({ x: { dtype: "U8", shape: [1], data: [256] } })).toThrow(/tensor "x".*element 0 = 256 is not representable as U8/);
    expect(() => serializeSafetensors({ x: { dtype: "I32", shape: [1], data: [0.5] } })).toThrow(/not representable as I32/);
    expect(() => serializeSafetensors({ x: { dtype: "BOOL", shape: [1], data: [2] } })).toThrow(/not representable as BOOL/);
  });
});

describe("round trips", () => {
  const values: Record<SafetensorsDtype, number[]> = {
    BOOL: [1, 0, 0, 1, 1, 0],
    U8: [0, 1, 2, 127, 128, 255],
    I8: [-128, -1, 0, 1, 2, 127],
    I16: [-32768, -1, 0, 1, 300, 32767],
    U16: [0, 1, 2, 300, 40000, 65535],
    F16: [0, -0, 1.5, -65504, 2 ** -24, Infinity],
    BF16: [0, -0, 1.5, -3.3895313892515355e38, 2 ** -133, -Infinity],
    I32: [-(2 ** 31), -1, 0, 1, 7, 2 ** 31 - 1],
    U32: [0, 1, 2, 3, 2 ** 31 - 1, 9],
    F32: [0, -0, 0.1, -1e-42, 3.4028234663852886e38, NaN],
    F64: [0, -0, Math.fround(0.1), 1e-42, -1, NaN],
    I64: [-(2 ** 31), -1, 0, 1, 7, 2 ** 31 - 1],
    U64: [0, 1, 2, 3, 2 ** 31 - 1, 9],
  };

  it("every dtype survives write → read with its values (float types as float32)", () => {
    const tensors = new Map<string, SafetensorInput>(
      SAFETENSORS_DTYPES.map((d) => [`t_${d.toLowerCase()}`, { dtype: d, shape: [2, 3], data: values[d] }]),
    );
    const parsed = parseSafetensors(serializeSafetensors(tensors, { note: "round trip", empty: "" }));
    expect(parsed.metadata).toEqual({ note: "round trip", empty: "" });
    for (const d of SAFETENSORS_DTYPES) {
      const t = parsed.tensors.get(`t_${d.toLowerCase()}`)!;
      expect(t.dtype).toBe(d);
      expect(t.shape).toEqual([2, 3]);
      const want = d === "F32" || d === "F64" ? values[d].map(Math.fround) : values[d];
      expect(sameValues(t.data, want), d).toBe(true);
    }
  });

  it("orders tensors by descending alignment then name, so every tensor starts aligned", () => {
    const bytes = serializeSafetensors({
      b: { dtype: "U8", shape: [3], data: [1, 2, 3] },
      a: { dtype: "F16", shape: [1], data: [1] },
      z: { dtype: "F64", shape: [1], data: [1] },
      c: { dtype: "F32", shape: [1], data: [1] },
      "10": { dtype: "F32", shape: [1], data: [2] },
    });
    const h = parseSafetensorsHeader(bytes);
    const order = [...h.tensors].sort(([, x], [, y]) => x.dataOffsets[0] - y.dataOffsets[0]).map(([n]) => n);
    expect(order).toEqual(["z", "10", "c", "a", "b"]);
    expect(h.dataStart % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, h.dataStart));
    expect(text.indexOf('"z"')).toBeLessThan(text.indexOf('"10"')); // header order too, integer-like names included
  });

  it("reads from a Node Buffer and from an unaligned view", () => {
    const bytes = serializeSafetensors({ x: { dtype: "F32", shape: [3], data: [1, 2, 3] }, y: { dtype: "I32", shape: [1], data: [-5] } });
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    for (const input of [Buffer.from(bytes), shifted.subarray(3)]) {
      const { tensors } = parseSafetensors(input);
      expect(tensors.get("x")!.data).toEqual(Float32Array.from([1, 2, 3]));
      expect(tensors.get("y")!.data).toEqual(Int32Array.from([-5]));
    }
  });

  it("decoded arrays own their memory (changing them does not touch the file bytes)", () => {
    const bytes = serializeSafetensors({ x: { dtype: "F32", shape: [2], data: [1, 2] } });
    const copy = bytes.slice();
    (parseSafetensors(bytes).tensors.get("x")!.data as Float32Array)[0] = 99;
    expect(bytes).toEqual(copy);
  });

  it("checks its input when writing", () => {
    expect(() => serializeSafetensors({ x: { dtype: "F32", shape: [2, 2], data: [1, 2, 3] } })).toThrow(
      /tensor "x": shape \[2,2\] has 4 elements but data has 3/,
    );
    expect(() => serializeSafetensors({ __metadata__: { dtype: "F32", shape: [], data: [1] } })).toThrow(/reserved/);
    expect(() => serializeSafetensors({ x: { dtype: "Q4" as SafetensorsDtype, shape: [], data: [1] } })).toThrow(/unknown dtype "Q4"/);
    expect(() => serializeSafetensors({}, { k: 1 as unknown as string })).toThrow(/__metadata__ value for key "k" must be a string/);
  });
});
