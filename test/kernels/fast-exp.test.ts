/** fastExp against Math.exp: relative error over the whole float32 range, and its edges. */
import { describe, expect, it } from "vitest";
import { FAST_EXP_MAX, FAST_EXP_MIN, fastExp } from "../../src/kernels/selective-scan/fast-exp.ts";

/** Largest |fastExp(x) − eˣ| / eˣ over `count` evenly spaced x in [lo, hi], and where. */
function maxRelError(lo: number, hi: number, count: number): { err: number; at: number } {
  let err = 0;
  let at = lo;
  for (let i = 0; i <= count; i++) {
    const x = Math.min(hi, lo + ((hi - lo) * i) / count);
    const ref = Math.exp(x);
    const e = Math.abs(fastExp(x) - ref) / ref;
    if (e > err) {
      err = e;
      at = x;
    }
  }
  return { err, at };
}

describe("fastExp", () => {
  it("has relative error below 1e-10 over [−104, 88.8]", () => {
    const wide = maxRelError(FAST_EXP_MIN, FAST_EXP_MAX, 2_000_000);
    expect(wide.err, `max rel error ${wide.err.toExponential(3)} at x = ${wide.at}`).toBeLessThan(1e-10);
  });

  it("has relative error below 1e-10 on the scan's usual range [−20, 0], finely sampled", () => {
    const near = maxRelError(-20, 0, 2_000_000);
    expect(near.err, `max rel error ${near.err.toExponential(3)} at x = ${near.at}`).toBeLessThan(1e-10);
  });

  it("rounds to the same float32 as Math.exp, within one ulp", () => {
    let worst = 0;
    let at = 0;
    for (let i = 0; i <= 1_000_000; i++) {
      const x = -104 + (104 * i) / 1_000_000;
      const a = Math.fround(fastExp(x));
      const b = Math.fround(Math.exp(x));
      const ulp = Math.max(Math.abs(Math.fround(b * (1 + 2 ** -23)) - b), 2 ** -149);
      if (Math.abs(a - b) / ulp > worst) {
        worst = Math.abs(a - b) / ulp;
        at = x;
      }
    }
    expect(worst, `worst difference ${worst} ulp at x = ${at}`).toBeLessThanOrEqual(1);
  });

  it("is exact at 0 and handles the edges", () => {
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
    expect(fastExp(-105)).toBe(0);
    expect(fastExp(-1e30)).toBe(0);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(89)).toBe(Infinity);
    expect(fastExp(Infinity)).toBe(Infinity);
    expect(Number.isNaN(fastExp(NaN))).toBe(true);
    // Just inside the range: float32 subnormals, and near float32's largest value.
    expect(Math.abs(fastExp(-103.5) / Math.exp(-103.5) - 1)).toBeLessThan(1e-10);
    expect(Math.abs(fastExp(88.7) / Math.exp(88.7) - 1)).toBeLessThan(1e-10);
  });
});
