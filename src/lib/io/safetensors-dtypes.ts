/**
 * The safetensors element types we read and write, and the conversions between their
 * little-endian bytes and JavaScript typed arrays.
 *
 * Reading widens or narrows to the three array kinds TensorFlow.js can hold: every float
 * type (F64, F32, F16, BF16) becomes a Float32Array, every integer type an Int32Array
 * (64-bit and unsigned 32-bit values are range-checked), U8 and BOOL a Uint8Array.
 * Writing does the reverse, rounding to nearest-even for F16 and BF16 as PyTorch does.
 * Pure functions over bytes: no I/O, no TensorFlow.js.
 */

/** Element types in the order of the reference implementation's `Dtype` enum (huggingface/safetensors). */
export const SAFETENSORS_DTYPES = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** Types the format defines but we cannot decode (8-bit and 4-bit floats). Named so errors can say "unsupported", not "unknown". */
export const UNSUPPORTED_DTYPES: ReadonlySet<string> = new Set(["F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"]);

export const ITEM_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** What a decoded tensor's values are held in. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

export const isDtype = (s: unknown): s is SafetensorsDtype =>
  typeof s === "string" && (SAFETENSORS_DTYPES as readonly string[]).includes(s);

export const isFloatDtype = (d: SafetensorsDtype): boolean => d === "F64" || d === "F32" || d === "F16" || d === "BF16";

/** The JavaScript array kind a dtype decodes to. */
export function arrayKindOf(d: SafetensorsDtype): "float32" | "int32" | "uint8" {
  if (isFloatDtype(d)) return "float32";
  return d === "U8" || d === "BOOL" ? "uint8" : "int32";
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Thrown when values cannot be represented in the target type (e.g. an I64 beyond int32). */
export class DtypeRangeError extends Error {
  override name = "DtypeRangeError";
}

// ---------------------------------------------------------------------------------------
// Half precision. Bit layouts: F16 = 1 sign, 5 exponent, 10 mantissa; BF16 = the top 16
// bits of an F32.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits → number (exact). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** number → binary16 bits, rounding the float32 value to nearest-even (as numpy and torch do). */
export function numberToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const man = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 | (man >>> 13) : 0); // Inf, NaN (kept quiet)
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Result is subnormal or zero: shift the full significand (with its implicit 1) right.
    if (e < -10) return sign; // below half the smallest subnormal → ±0
    const m = man | 0x800000;
    const shift = 14 - e; // 14..24
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h; // a carry into the exponent field is the correct smallest normal
  }
  let h = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // carry may round up to Inf: correct
  return sign | h;
}

/** bfloat16 bits → number (exact). */
export function bf16BitsToNumber(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** number → bfloat16 bits, rounding the float32 value to nearest-even (as torch does). */
export function numberToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---------------------------------------------------------------------------------------
// Decoding: bytes (any alignment) → typed array.

/** Decodes `bytes` (exactly numel · itemsize long) of type `dtype`. */
export function decodeValues(bytes: Uint8Array, dtype: SafetensorsDtype): TensorData {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  // A copy into a fresh, aligned buffer, so typed-array views are safe on it. (Not
  // `bytes.slice()`: on a Node Buffer that is a view, not a copy.)
  const own = () => new Uint8Array(bytes).buffer;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32":
      if (LITTLE_ENDIAN_HOST) return new Float32Array(own());
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
    case "F64":
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat64(8 * i, true));
    case "F16":
      return Float32Array.from({ length: n }, (_, i) => f16BitsToNumber(dv.getUint16(2 * i, true)));
    case "BF16": {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true) << 16;
      return new Float32Array(out.buffer);
    }
    case "I32":
      if (LITTLE_ENDIAN_HOST) return new Int32Array(own());
      return Int32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
    case "I16":
      return Int32Array.from({ length: n }, (_, i) => dv.getInt16(2 * i, true));
    case "U16":
      return Int32Array.from({ length: n }, (_, i) => dv.getUint16(2 * i, true));
    case "I8":
      return Int32Array.from({ length: n }, (_, i) => dv.getInt8(i));
    case "U32":
    case "I64":
    case "U64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v =
          dtype === "U32" ? dv.getUint32(4 * i, true)
          : dtype === "I64" ? dv.getBigInt64(8 * i, true)
          : dv.getBigUint64(8 * i, true);
        if (v > 2147483647 || v < -2147483648) {
          throw new DtypeRangeError(`element ${i} = ${v} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case "U8":
      return new Uint8Array(bytes);
    case "BOOL": {
      const out = new Uint8Array(bytes);
      const bad = out.findIndex((b) => b > 1);
      if (bad >= 0) throw new DtypeRangeError(`element ${bad} = ${out[bad]} is not a boolean (0 or 1)`);
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Encoding: numbers → little-endian bytes of `dtype`.

function checkInt(v: number, i: number, lo: number, hi: number, dtype: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new DtypeRangeError(`element ${i} = ${v} is not representable as ${dtype}`);
  }
  return v;
}

/** Encodes `values` as `dtype`; integer targets require integral values in range. */
export function encodeValues(values: ArrayLike<number>, dtype: SafetensorsDtype): Uint8Array {
  const n = values.length;
  if (dtype === "F32" && values instanceof Float32Array && LITTLE_ENDIAN_HOST) return new Uint8Array(values.slice().buffer);
  const out = new Uint8Array(n * ITEM_SIZE[dtype]);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    switch (dtype) {
      case "F32": dv.setFloat32(4 * i, v, true); break;
      case "F64": dv.setFloat64(8 * i, v, true); break;
      case "F16": dv.setUint16(2 * i, numberToF16Bits(v), true); break;
      case "BF16": dv.setUint16(2 * i, numberToBf16Bits(v), true); break;
      case "I64": dv.setBigInt64(8 * i, BigInt(checkInt(v, i, -(2 ** 53), 2 ** 53, dtype)), true); break;
      case "U64": dv.setBigUint64(8 * i, BigInt(checkInt(v, i, 0, 2 ** 53, dtype)), true); break;
      case "I32": dv.setInt32(4 * i, checkInt(v, i, -(2 ** 31), 2 ** 31 - 1, dtype), true); break;
      case "U32": dv.setUint32(4 * i, checkInt(v, i, 0, 2 ** 32 - 1, dtype), true); break;
      case "I16": dv.setInt16(2 * i, checkInt(v, i, -(2 ** 15), 2 ** 15 - 1, dtype), true); break;
      case "U16": dv.setUint16(2 * i, checkInt(v, i, 0, 2 ** 16 - 1, dtype), true); break;
      case "I8": dv.setInt8(i, checkInt(v, i, -128, 127, dtype)); break;
      case "U8": dv.setUint8(i, checkInt(v, i, 0, 255, dtype)); break;
      case "BOOL": dv.setUint8(i, checkInt(v, i, 0, 1, dtype)); break;
    }
  }
  return out;
}
