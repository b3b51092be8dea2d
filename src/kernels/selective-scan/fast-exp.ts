/**
 * eˣ for the scan's discretisation e^{ΔA} (ΔA ≤ 0), accurate to far better than float32.
 *
 * Speed, measured on Node 20 (V8): in a plain loop over an array, 9.4 ns per call against
 * 14–15 ns for `Math.exp` (1.5×). Inside the fused scan's inner loop the difference mostly
 * vanishes (≈ 3–10 % of the forward, within run-to-run noise): both exps cost about 8 ns
 * per state update there, half the forward's time, the loop's loads and stores the rest.
 * It stays because it is never slower and its error is bounded and tested.
 *
 * Range reduction: x·64/ln2 = k + f with k the nearest integer (|f| ≤ ½), so
 * eˣ = 2^{⌊k/64⌋} · 2^{(k mod 64)/64} · eʳ with r = f·ln2/64, |r| ≤ ln2/128. The two powers of
 * two come from tables, eʳ from its cubic Taylor polynomial (truncation ≤ r⁴/24 ≈ 3.6e-11).
 * Max relative error against `Math.exp`, measured over [−104, 88.8] by `fast-exp.test.ts`:
 * 3.6e-11 (at x ≈ −94.2; the test asserts < 1e-10; float32 rounding alone is 6e-8); e⁰ = 1 exactly.
 * Results below float32's smallest subnormal (x < −104) are 0; above float32's largest (x > 88.8), Infinity; NaN stays NaN.
 *
 * This is the table-driven method of Tang, "Table-driven implementation of the exponential
 * function in IEEE floating-point arithmetic" (ACM TOMS 15(2), 1989), with a 64-entry table.
 */

/** Below this eˣ rounds to 0 in float32. */
export const FAST_EXP_MIN = -104;
/** Above this eˣ overflows float32. */
export const FAST_EXP_MAX = 88.8;

/**
 * Builds `fastExp` with its tables and constants in a closure: V8 reads closure constants
 * faster than module-level ones (no temporal-dead-zone check per access); in a scan-like
 * loop the module-level version measured clearly slower.
 */
function makeFastExp(): (x: number) => number {
  /** Lowest exponent of 2 in `pow2Int` (index 0). */
  const minPow = -152;
  /** 2^m for m ∈ [−152, 128]. */
  const pow2Int = Float64Array.from({ length: 128 - minPow + 1 }, (_, i) => 2 ** (i + minPow));
  /** 2^{j/64} for j ∈ [0, 64). */
  const pow2Frac = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64));
  const scale = 64 / Math.LN2;
  const ln2Over64 = Math.LN2 / 64;
  /** 1.5·2⁵²: adding and subtracting it rounds a double of magnitude < 2⁵¹ to the nearest integer. */
  const round = 6755399441055744;
  const lo = FAST_EXP_MIN;
  const hi = FAST_EXP_MAX;
  return function fastExp(x: number): number {
    if (x < lo) return 0;
    if (x > hi) return Infinity;
    const t = x * scale;
    const kf = t + round - round; // nearest integer to t
    const k = kf | 0;
    const r = (t - kf) * ln2Over64;
    const p = 1 + r * (1 + r * (0.5 + r * (1 / 6)));
    return pow2Int[(k >> 6) - minPow]! * pow2Frac[k & 63]! * p;
  };
}

/** eˣ, relative error < 1e-10 on [FAST_EXP_MIN, FAST_EXP_MAX]; 0 below, Infinity above. */
export const fastExp: (x: number) => number = makeFastExp();
