/**
 * Paired comparisons over seeds: systems A and B trained with the same seed and data seed
 * form a pair; the comparison is the mean of the per-pair differences d_i = a_i − b_i, with
 *
 *   95% interval   d̄ ± t(0.975, n−1) · s_d / √n
 *   mde80          (t(0.975, n−1) + t(0.80, n−1)) · s_d / √n
 *
 * mde80 is the smallest true difference a two-sided paired t-test at α = 0.05 would detect
 * with 80% power, given the observed spread of the differences (the usual normal-theory
 * approximation with t quantiles). A comparison "resolves" when its interval excludes 0; a
 * difference smaller than mde80 that does not resolve is "no effect at this power", not
 * "no effect".
 */
import { tQuantile975 } from "./stats.ts";

/** t(0.80, df) for df = 1 … 30; beyond, the normal 0.8416. */
const T80 = [
  1.376, 1.061, 0.978, 0.941, 0.92, 0.906, 0.896, 0.889, 0.883, 0.879, 0.876, 0.873, 0.87, 0.868, 0.866, 0.865, 0.863, 0.862, 0.861, 0.86, 0.859,
  0.858, 0.858, 0.857, 0.856, 0.856, 0.855, 0.855, 0.854, 0.854,
];

export const tQuantile80 = (df: number): number => (df < 1 ? Number.NaN : (T80[df - 1] ?? 0.8416));

export interface PairedComparison {
  name: string;
  a: string;
  b: string;
  /** Pairs (seeds). */
  n: number;
  meanA: number;
  meanB: number;
  /** Mean of a_i − b_i. */
  diff: number;
  /** 95% interval of the mean difference; null with fewer than two pairs. */
  ci95: [number, number] | null;
  /** Minimum detectable difference at 80% power; null with fewer than two pairs. */
  mde80: number | null;
  /** Per pair, in seed order. */
  valuesA: number[];
  valuesB: number[];
}

export function pairedComparison(name: string, a: string, b: string, valuesA: readonly number[], valuesB: readonly number[]): PairedComparison {
  if (valuesA.length !== valuesB.length) throw new Error(`${name}: ${valuesA.length} values of ${a} but ${valuesB.length} of ${b}; pairs need both`);
  const n = valuesA.length;
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);
  const d = valuesA.map((x, i) => x - valuesB[i]!);
  const diff = mean(d);
  let ci95: [number, number] | null = null;
  let mde80: number | null = null;
  if (n >= 2) {
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - diff) ** 2, 0) / (n - 1));
    const se = sd / Math.sqrt(n);
    ci95 = [diff - tQuantile975(n - 1) * se, diff + tQuantile975(n - 1) * se];
    mde80 = (tQuantile975(n - 1) + tQuantile80(n - 1)) * se;
  }
  return { name, a, b, n, meanA: mean(valuesA), meanB: mean(valuesB), diff, ci95, mde80, valuesA: [...valuesA], valuesB: [...valuesB] };
}

/** "a" (A better, interval above 0), "b" (B better), or "none" (the interval contains 0, or there is none). */
export function pairedWinner(c: Pick<PairedComparison, "ci95">): "a" | "b" | "none" {
  if (!c.ci95) return "none";
  if (c.ci95[0] > 0) return "a";
  if (c.ci95[1] < 0) return "b";
  return "none";
}
