/** Central finite differences of a float64 function, for gradient tests. */

/** (f(v + h·eᵢ) − f(v − h·eᵢ)) / 2h at every element i of `v` (changed and restored in place). */
export function numericGrad(v: Float64Array, f: () => number, h = 1e-5): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i]!;
    v[i] = keep + h;
    const up = f();
    v[i] = keep - h;
    const down = f();
    v[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
