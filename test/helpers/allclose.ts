/**
 * `allclose` for tests: |actual − expected| ≤ atol + rtol·|expected| elementwise (numpy's
 * rule), over tensors, typed arrays, nested number arrays or scalars, in any mix. A failure
 * names the worst element (largest excess over its tolerance) with its multi-index, both
 * values, and the largest absolute difference overall.
 *
 *   assertAllclose(y, yRef, { atol: 1e-5, rtol: 1e-4, name: "y" });
 *   const report = compareAllclose(a, b); // inspect report.maxAbsDiff, report.worstIndex …
 */

/** Anything with values and a shape, such as a tfjs Tensor. */
export interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** What can be compared: a tensor, a flat or nested array of numbers, or one number. */
export type Closeable = TensorLike | ArrayLike<number> | NestedNumbers | number;
export type NestedNumbers = readonly (number | NestedNumbers)[];

export interface AllcloseOptions {
  /** Absolute tolerance. Default 1e-6. */
  atol?: number;
  /** Relative tolerance, scaled by |expected|. Default 1e-5. */
  rtol?: number;
  /** Name used in messages. Default "value". */
  name?: string;
  /** Shape used to print indices of flat arrays (tensors and nested arrays carry their own). */
  shape?: readonly number[];
  /** Whether NaN equals NaN. Default false. */
  equalNan?: boolean;
}

export interface AllcloseReport {
  ok: boolean;
  /** Number of elements compared. */
  size: number;
  /** Number of elements outside tolerance. */
  failures: number;
  /** Largest |actual − expected| (NaN if any pair is NaN-mismatched). */
  maxAbsDiff: number;
  /** Index of the largest |actual − expected|. */
  maxAbsDiffIndex: number[];
  /** The element exceeding its tolerance by the most (or the largest difference when all pass). */
  worstIndex: number[];
  worstActual: number;
  worstExpected: number;
  /** Human-readable summary; the failure message when !ok. */
  message: string;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === "object" && x !== null && "dataSync" in x && "shape" in x;
}

/** Flat values and shape of a comparable value. */
export function flatten(x: Closeable): { values: ArrayLike<number>; shape: number[] } {
  if (typeof x === "number") return { values: [x], shape: [] };
  if (isTensorLike(x)) return { values: x.dataSync(), shape: [...x.shape] };
  if (ArrayBuffer.isView(x)) return { values: x as ArrayLike<number>, shape: [(x as ArrayLike<number>).length] };
  const arr = x as ArrayLike<unknown>;
  if (arr.length > 0 && Array.isArray(arr[0])) {
    const shape: number[] = [];
    for (let level: unknown = arr; Array.isArray(level); level = level[0]) shape.push(level.length);
    const values = (arr as unknown as unknown[]).flat(shape.length) as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`allclose: ragged nested array (shape ${JSON.stringify(shape)}, ${values.length} values)`);
    return { values, shape };
  }
  return { values: arr as ArrayLike<number>, shape: [arr.length] };
}

/** Multi-index of flat position `k` in `shape` (row-major). */
export function unravelIndex(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    const s = shape[i]!;
    idx[i] = s > 0 ? k % s : 0;
    k = s > 0 ? Math.floor(k / s) : 0;
  }
  return idx;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));

export function compareAllclose(actual: Closeable, expected: Closeable, options: AllcloseOptions = {}): AllcloseReport {
  const { atol = 1e-6, rtol = 1e-5, name = "value", equalNan = false } = options;
  const a = flatten(actual);
  const e = flatten(expected);
  const sameShape = a.shape.length === e.shape.length && a.shape.every((s, i) => s === e.shape[i]);
  const flatAgainstShaped = a.shape.length <= 1 || e.shape.length <= 1;
  if (a.values.length !== e.values.length || (!sameShape && !flatAgainstShaped)) {
    const message = `${name}: shape mismatch: actual [${a.shape.join(", ")}] vs expected [${e.shape.join(", ")}]`;
    return {
      ok: false,
      size: 0,
      failures: Math.max(a.values.length, e.values.length),
      maxAbsDiff: NaN,
      maxAbsDiffIndex: [],
      worstIndex: [],
      worstActual: NaN,
      worstExpected: NaN,
      message,
    };
  }
  const shape = options.shape ?? (e.shape.length > 1 ? e.shape : a.shape);
  let failures = 0;
  let maxAbsDiff = 0;
  let maxAt = 0;
  let worstExcess = -Infinity;
  let worstAt = 0;
  let nanAt = -1; // first NaN mismatch
  for (let k = 0; k < e.values.length; k++) {
    const x = Number(a.values[k]);
    const y = Number(e.values[k]);
    let diff: number;
    let excess: number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      const bothNan = Number.isNaN(x) && Number.isNaN(y);
      diff = bothNan && equalNan ? 0 : NaN;
      excess = bothNan && equalNan ? -Infinity : Infinity;
    } else if (x === y) {
      diff = 0; // covers equal infinities
      excess = -(atol + rtol * Math.abs(y));
    } else {
      diff = Math.abs(x - y);
      excess = diff - (atol + rtol * Math.abs(y));
      if (Number.isNaN(excess)) excess = Infinity; // Infinity − Infinity
    }
    if (excess > 0) failures++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstAt = k;
    }
    if (Number.isNaN(diff)) {
      if (nanAt < 0) nanAt = k;
    } else if (diff > maxAbsDiff) {
      maxAbsDiff = diff;
      maxAt = k;
    }
  }
  if (nanAt >= 0) {
    maxAbsDiff = NaN;
    maxAt = nanAt;
  }
  const worstIndex = unravelIndex(worstAt, shape);
  const maxAbsDiffIndex = unravelIndex(maxAt, shape);
  const worstActual = Number(a.values[worstAt]);
  const worstExpected = Number(e.values[worstAt]);
  const tol = atol + rtol * Math.abs(worstExpected);
  const ok = failures === 0;
  const n = e.values.length;
  const message = ok
    ? `${name}: all ${n} elements within atol ${atol} + rtol ${rtol}·|ref|; max |diff| ${fmt(maxAbsDiff)} at [${maxAbsDiffIndex.join(", ")}]`
    : `${name}: ${failures} of ${n} elements exceed atol ${atol} + rtol ${rtol}·|ref|; ` +
      `worst at [${worstIndex.join(", ")}]: got ${fmt(worstActual)}, expected ${fmt(worstExpected)} ` +
      `(|diff| ${fmt(Math.abs(worstActual - worstExpected))} > tol ${fmt(tol)}); ` +
      `max |diff| ${fmt(maxAbsDiff)} at [${maxAbsDiffIndex.join(", ")}]`;
  return { ok, size: n, failures, maxAbsDiff, maxAbsDiffIndex, worstIndex, worstActual, worstExpected, message };
}

/** True when every element is within atol + rtol·|expected|. */
export function allclose(actual: Closeable, expected: Closeable, options: AllcloseOptions = {}): boolean {
  return compareAllclose(actual, expected, options).ok;
}

/** Throws an Error naming the worst element when any element is out of tolerance; returns the report otherwise. */
export function assertAllclose(actual: Closeable, expected: Closeable, options: AllcloseOptions = {}): AllcloseReport {
  const report = compareAllclose(actual, expected, options);
  if (!report.ok) throw new Error(report.message);
  return report;
}
