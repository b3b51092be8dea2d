/** The allclose helper: tolerance rule, inputs of every kind, and what a failure says. */
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/lib/backend.ts";
import { allclose, assertAllclose, compareAllclose, unravelIndex } from "../helpers/allclose.ts";

describe("allclose", () => {
  it("uses atol + rtol·|expected|", () => {
    expect(allclose([1, 100], [1, 100.05], { atol: 0, rtol: 1e-3 })).toBe(true);
    expect(allclose([1, 100], [1, 100.2], { atol: 0, rtol: 1e-3 })).toBe(false);
    expect(allclose([0], [1e-7], { atol: 1e-6, rtol: 0 })).toBe(true);
  });

  it("names the worst element with its multi-index and the max difference", () => {
    const expected = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const actual = [
      [1, 2, 3],
      [4, 5.5, 6.1],
    ];
    const r = compareAllclose(actual, expected, { atol: 0.01, rtol: 0, name: "x" });
    expect(r.ok).toBe(false);
    expect(r.failures).toBe(2);
    expect(r.worstIndex).toEqual([1, 1]);
    expect(r.maxAbsDiff).toBeCloseTo(0.5);
    expect(() => assertAllclose(actual, expected, { atol: 0.01, rtol: 0, name: "x" })).toThrow(
      /x: 2 of 6 elements exceed .* worst at \[1, 1\]: got 5\.50000, expected 5\.00000/,
    );
  });

  it("compares tensors, typed arrays and scalars, using a given shape for flat arrays", async () => {
    await initBackend({ backend: "cpu" });
    const t = tf.tensor([1, 2, 3, 4], [2, 2]);
    expect(allclose(t, new Float32Array([1, 2, 3, 4]))).toBe(true);
    const r = compareAllclose(new Float64Array([1, 2, 3, 9]), t, { atol: 0, rtol: 0 });
    expect(r.worstIndex).toEqual([1, 1]);
    expect(compareAllclose(new Float64Array([0, 0, 0, 1, 0, 0]), new Float64Array(6), { shape: [3, 2] }).worstIndex).toEqual([1, 1]);
    expect(allclose(3, 3.0000001)).toBe(true);
    t.dispose();
  });

  it("treats NaN as unequal unless asked, and equal infinities as equal", () => {
    expect(allclose([NaN], [NaN])).toBe(false);
    expect(allclose([NaN], [NaN], { equalNan: true })).toBe(true);
    expect(allclose([Infinity], [Infinity])).toBe(true);
    expect(allclose([Infinity], [1e30])).toBe(false);
    expect(compareAllclose([1, NaN], [1, 2]).message).toMatch(/worst at \[1\]/);
  });

  it("reports a shape mismatch", () => {
    expect(compareAllclose([1, 2, 3], [1, 2]).message).toMatch(/shape mismatch/);
    expect(allclose([[1, 2, 3]], [[1], [2], [3]])).toBe(false);
  });

  it("unravels row-major indices", () => {
    expect(unravelIndex(0, [2, 3])).toEqual([0, 0]);
    expect(unravelIndex(5, [2, 3])).toEqual([1, 2]);
    expect(unravelIndex(7, [2, 2, 2])).toEqual([1, 1, 1]);
  });
});
