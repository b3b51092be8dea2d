/**
 * Means over seeds with 95% intervals: mean ± t(0.975, n−1) · s / √n, Student's t because
 * a sweep has few seeds (3 by default, where t = 4.30). One seed has no interval (null):
 * the spread between seeds cannot be estimated from one. The interval is cut to the range
 * the quantity can take (an accuracy lies in [0, 1], a time or a rate is ≥ 0): with three
 * noisy seeds, mean ± t·s/√n can otherwise reach below zero.
 */

/** t(0.975, df) for df = 1 … 30; beyond, the normal 1.96 is within 2%. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export const tQuantile975 = (df: number): number => (df < 1 ? Number.NaN : (T975[df - 1] ?? 1.96));

export interface SeedStat {
  /** Mean over seeds; NaN when there are none. */
  mean: number;
  /** 95% interval of the mean; null with fewer than two seeds. */
  ci95: [number, number] | null;
  /** Seeds. */
  n: number;
  /** Per seed, in seed order. */
  values: number[];
}

export function seedStat(values: readonly number[], range: readonly [number, number] = [-Infinity, Infinity]): SeedStat {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: null, n: 0, values: [] };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: null, n, values: [...values] };
  const sd = Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, ci95: [Math.max(range[0], mean - half), Math.min(range[1], mean + half)], n, values: [...values] };
}

/** The range of an accuracy, and of a time or rate. */
export const FRACTION: readonly [number, number] = [0, 1];
export const NON_NEGATIVE: readonly [number, number] = [0, Infinity];

/** Whether a's interval lies wholly above b's (false when either has none). */
export function clearlyAbove(a: SeedStat, b: SeedStat): boolean {
  return a.ci95 !== null && b.ci95 !== null && a.ci95[0] > b.ci95[1];
}
