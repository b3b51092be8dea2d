/**
 * Tolerance checks that scale: element i passes when |actual − expected| ≤ atol + rtol·|expected|.
 * A failure names the worst element (by how far it exceeds its allowance), its index in the
 * tensor's shape, both values and the allowance.
 */

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface CloseReport {
  /** Largest |actual − expected|. */
  maxAbsDiff: number;
  /** Largest |actual − expected| / (atol + rtol·|expected|): ≤ 1 passes. */
  worstRatio: number;
  /** Where the worst ratio is, as a multi-index. */
  worstIndex: number[];
  worstActual: number;
  worstExpected: number;
  /** max |expected|, for context. */
  refMaxAbs: number;
}

function multiIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return idx;
}

export function compareClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  shape: readonly number[],
  tol: Tolerance,
): CloseReport {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  let maxAbsDiff = 0;
  let worstRatio = -1;
  let worst = 0;
  let refMaxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    refMaxAbs = Math.max(refMaxAbs, Math.abs(e));
    const diff = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(e) || a === e ? 0 : Math.abs(a - e);
    const ratio = diff / (tol.atol + tol.rtol * Math.abs(e));
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (!(ratio <= worstRatio)) {
      worstRatio = ratio;
      worst = i;
    }
  }
  return {
    maxAbsDiff,
    worstRatio: Math.max(worstRatio, 0),
    worstIndex: multiIndex(worst, shape),
    worstActual: actual[worst] ?? NaN,
    worstExpected: expected[worst] ?? NaN,
    refMaxAbs,
  };
}

export function describeClose(label: string, r: CloseReport, tol: Tolerance): string {
  return (
    `${label}: max |diff| ${r.maxAbsDiff.toExponential(3)} (ref max |x| ${r.refMaxAbs.toPrecision(4)}); ` +
    `worst at [${r.worstIndex.join(", ")}]: actual ${r.worstActual}, expected ${r.worstExpected}, ` +
    `${(r.worstRatio * 100).toFixed(1)}% of allowance (atol ${tol.atol.toExponential(1)}, rtol ${tol.rtol.toExponential(1)})`
  );
}

/** Throws with the worst element when any element is out of tolerance; returns the report otherwise. */
export function assertAllClose(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  shape: readonly number[],
  tol: Tolerance,
): CloseReport {
  const r = compareClose(actual, expected, shape, tol);
  if (!(r.worstRatio <= 1)) throw new Error(`not close: ${describeClose(label, r, tol)}`);
  return r;
}
