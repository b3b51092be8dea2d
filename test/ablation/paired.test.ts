import { describe, expect, it } from "vitest";
import { pairedComparison, pairedWinner, tQuantile80 } from "../../src/lib/ablation/paired.ts";

describe("paired comparisons", () => {
  it("hand-computed: 5 pairs", () => {
    // d = [0.05, 0.03, 0.04, 0.06, 0.02]: mean 0.04, s_d = √(0.001/4) = 0.0158114, se = 0.00707107
    const a = [0.55, 0.53, 0.54, 0.56, 0.52];
    const b = [0.5, 0.5, 0.5, 0.5, 0.5];
    const c = pairedComparison("x", "A", "B", a, b);
    expect(c.diff).toBeCloseTo(0.04, 10);
    expect(c.meanA).toBeCloseTo(0.54, 10);
    expect(c.ci95![0]).toBeCloseTo(0.04 - 2.776 * 0.00707107, 6);
    expect(c.ci95![1]).toBeCloseTo(0.04 + 2.776 * 0.00707107, 6);
    expect(c.mde80).toBeCloseTo((2.776 + 0.941) * 0.00707107, 6);
    expect(pairedWinner(c)).toBe("a");
    expect(pairedWinner(pairedComparison("y", "B", "A", b, a))).toBe("b");
  });

  it("pairing removes the seed effect that unpaired intervals keep", () => {
    // seeds differ a lot (0.3 … 0.7), A is always exactly 0.02 above B
    const b = [0.3, 0.7, 0.5, 0.4, 0.6];
    const a = b.map((x) => x + 0.02);
    const c = pairedComparison("z", "A", "B", a, b);
    expect(c.ci95![0]).toBeCloseTo(0.02, 10);
    expect(c.mde80).toBeCloseTo(0, 10);
  });

  it("one pair has no interval; mismatched lengths are refused", () => {
    const c = pairedComparison("w", "A", "B", [0.5], [0.4]);
    expect(c.ci95).toBeNull();
    expect(c.mde80).toBeNull();
    expect(pairedWinner(c)).toBe("none");
    expect(() => pairedComparison("v", "A", "B", [1, 2], [1])).toThrow(/pairs need both/);
    expect(tQuantile80(1000)).toBeCloseTo(0.8416, 4);
  });
});
