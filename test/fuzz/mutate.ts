/**
 * Generic mutators: bytes (bit flips, overwrites, truncation, insertion, deletion) and JSON
 * values (a field set to a hostile value, removed, or joined by an unknown one).
 */
import type { Rand } from "./rand.ts";

export interface Mutated<T> {
  value: T;
  label: string;
}

/** Bytes that make parsers take another branch. */
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x5c, 0x20, 0x30, 0x39, 0x2d, 0x65];

/**
 * One random byte-level edit of `bytes` (a copy), inside [lo, hi) when given: flip bits,
 * overwrite, truncate, insert, delete, duplicate or zero a range.
 */
export function mutateBytes(rand: Rand, bytes: Uint8Array, lo = 0, hi = bytes.length): Mutated<Uint8Array> {
  const span = Math.max(1, hi - lo);
  const at = () => lo + rand.int(span);
  const op = rand.pick(["flip", "flip", "flip", "set", "truncate", "insert", "delete", "duplicate", "zero"] as const);
  const out = new Uint8Array(bytes);
  switch (op) {
    case "flip": {
      const n = rand.pick([1, 1, 2, 4, 8]);
      for (let k = 0; k < n && out.length > 0; k++) {
        const i = Math.min(at(), out.length - 1);
        out[i] = out[i]! ^ (1 << rand.int(8));
      }
      return { value: out, label: `flip ${n} bit(s) in [${lo}, ${hi})` };
    }
    case "set": {
      if (out.length === 0) return { value: out, label: "set (empty)" };
      const i = Math.min(at(), out.length - 1);
      out[i] = rand.chance(0.7) ? rand.pick(INTERESTING_BYTES) : rand.int(256);
      return { value: out, label: `set byte ${i} to ${out[i]}` };
    }
    case "truncate": {
      const n = rand.chance(0.2) ? rand.int(Math.min(16, bytes.length + 1)) : Math.min(at(), bytes.length);
      return { value: bytes.slice(0, n), label: `truncate to ${n} bytes` };
    }
    case "insert": {
      const i = Math.min(at(), bytes.length);
      const extra = rand.chance(0.5) ? Uint8Array.of(rand.pick(INTERESTING_BYTES)) : rand.bytes(rand.range(1, 16));
      return { value: concat(bytes.subarray(0, i), extra, bytes.subarray(i)), label: `insert ${extra.length} byte(s) at ${i}` };
    }
    case "delete": {
      const i = Math.min(at(), bytes.length);
      const n = rand.range(1, 16);
      return { value: concat(bytes.subarray(0, i), bytes.subarray(Math.min(bytes.length, i + n))), label: `delete ${n} byte(s) at ${i}` };
    }
    case "duplicate": {
      const i = Math.min(at(), bytes.length);
      const n = rand.range(1, 64);
      return { value: concat(bytes.subarray(0, i), bytes.subarray(i, i + n), bytes.subarray(i)), label: `duplicate ${n} byte(s) at ${i}` };
    }
    case "zero": {
      const i = Math.min(at(), out.length);
      const n = rand.range(1, 64);
      out.fill(0, i, i + n);
      return { value: out, label: `zero ${n} byte(s) at ${i}` };
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Values a config or header field might hold by mistake or by malice: wrong types, NaN and
 * infinities (not JSON, but a JavaScript caller can pass them), huge and unsafe integers,
 * fractions, negative zero, empty containers, prototype names.
 */
export const HOSTILE_VALUES: readonly unknown[] = [
  NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1, 2, 3, 7, 1e-320, 1e300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE,
  -(2 ** 53), "", "1", "64", "auto", "tiny", "all", "even", "__proto__", "constructor", "toString", true, false, null, undefined,
  [], [1], [[]], ["pretrain"], {}, { "": 1 }, { valueOf: 3, toString: "x" }, "x".repeat(2000),
];

/**
 * Arrays nested `depth` deep (built without recursion). JSON.parse reads such text, but a
 * recursive printer (JSON.stringify in an error message) overflows the stack on it.
 */
export function deeplyNested(depth = 20_000): unknown[] {
  let v: unknown[] = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** A random JSON-like value (objects, arrays, strings, numbers incl. non-finite). */
export function randomJson(rand: Rand, depth = 3): unknown {
  const kind = depth <= 0 ? rand.int(4) : rand.int(6);
  switch (kind) {
    case 0:
      return rand.chance(0.02) ? deeplyNested() : structuredClone(rand.pick(HOSTILE_VALUES));
    case 1:
      return rand.chance(0.5) ? rand.range(-5, 300) : (rand.float() - 0.5) * 10 ** rand.range(-10, 20);
    case 2:
      return rand.pick(["", "a", "F32", "tiny", "meteor", "<tor>", "\u0000", "é", "\ud800", "{", "step-000001"]);
    case 3:
      return rand.pick([true, false, null]);
    case 4:
      return Array.from({ length: rand.int(4) }, () => randomJson(rand, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rand.int(4); i > 0; i--) o[rand.pick(["a", "dModel", "nLayer", "format", "tokens", "vision", "mamba", "mlm", "steps", `k${i}`])] = randomJson(rand, depth - 1);
      return o;
    }
  }
}

/** A hostile value (a fresh copy: mutations must never reach the shared list). */
export function hostileValue(rand: Rand): unknown {
  if (rand.chance(0.02)) return deeplyNested();
  return rand.chance(0.75) ? structuredClone(rand.pick(HOSTILE_VALUES)) : randomJson(rand, 2);
}

type Path = (string | number)[];

/** Every path into `value`'s containers and leaves (the root is []), to depth 8. */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value !== null && typeof value === "object" && prefix.length < 8) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * 1–3 random edits of a JSON-like value (a deep copy): a field set to a hostile value,
 * removed, renamed to an unknown key, or an unknown key added. `unknownKeys` are names
 * worth trying as additions (typos of real fields, prototype names).
 */
export function mutateValue<T>(rand: Rand, base: T, unknownKeys: readonly string[] = []): Mutated<T> {
  const root = { v: clone(base) as unknown };
  const labels: string[] = [];
  for (let n = rand.range(1, 3); n > 0; n--) {
    const all = paths(root.v);
    const path = rand.pick(all);
    const parent = path.length === 0 ? root : (get(root.v, path.slice(0, -1)) as Record<string | number, unknown>);
    const key = path.length === 0 ? "v" : path[path.length - 1]!;
    const at = path.length === 0 ? "(root)" : path.join(".");
    const target = get(root.v, path);
    const op = rand.weighted([
      [5, "set"],
      [2, "delete"],
      [2, "add"],
      [1, "rename"],
    ] as const);
    if (op === "set" || path.length === 0) {
      const v = hostileValue(rand);
      (parent as Record<string | number, unknown>)[key] = v;
      labels.push(`${at} = ${show(v)}`);
    } else if (op === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string | number, unknown>)[key];
      labels.push(`delete ${at}`);
    } else if (op === "add" && target !== null && typeof target === "object" && !Array.isArray(target)) {
      const k = rand.chance(0.6) && unknownKeys.length > 0 ? rand.pick(unknownKeys) : `unknown${rand.int(10)}`;
      const v = hostileValue(rand);
      Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
      labels.push(`add ${at}.${k} = ${show(v)}`);
    } else if (!Array.isArray(parent)) {
      const k = `${String(key)}${rand.pick(["s", "_", "X", ""])}`.toLowerCase();
      const v = (parent as Record<string, unknown>)[key];
      delete (parent as Record<string | number, unknown>)[key];
      Object.defineProperty(parent, k, { value: v, enumerable: true, writable: true, configurable: true });
      labels.push(`rename ${at} → ${k}`);
    }
  }
  return { value: root.v as T, label: labels.join("; ") };
}

function get(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

/** A short printable form of any value (NaN, -0 and undefined included). */
export function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (v === undefined) return "undefined";
  let s: string | undefined;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x));
  } catch {
    return "(deeply nested)";
  }
  s ??= String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * JSON text of a JSON-like value, like JSON.stringify (undefined fields dropped, NaN and
 * ±Infinity as null) but without recursion, so `deeplyNested` values can be written into
 * the files under test.
 */
export function jsonText(value: unknown): string {
  type Task = { lit: string } | { val: unknown };
  const out: string[] = [];
  const tasks: Task[] = [{ val: value }];
  while (tasks.length > 0) {
    const t = tasks.pop()!;
    if ("lit" in t) {
      out.push(t.lit);
      continue;
    }
    const v = t.val;
    if (v === null || typeof v !== "object") {
      out.push(JSON.stringify(v) ?? "null");
      continue;
    }
    const sub: Task[] = [];
    if (Array.isArray(v)) {
      v.forEach((x, i) => sub.push(...(i > 0 ? [{ lit: "," }] : []), { val: x === undefined ? null : x }));
      sub.unshift({ lit: "[" });
      sub.push({ lit: "]" });
    } else {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      entries.forEach(([k, x], i) => sub.push({ lit: `${i > 0 ? "," : ""}${JSON.stringify(k)}:` }, { val: x }));
      sub.unshift({ lit: "{" });
      sub.push({ lit: "}" });
    }
    for (let i = sub.length - 1; i >= 0; i--) tasks.push(sub[i]!);
  }
  return out.join("");
}
