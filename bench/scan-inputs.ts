/**
 * Deterministic inputs of the scan benchmarks (`scan.ts`, `scan-gpu.ts`), in the ranges the
 * model produces, with each input's shape.
 */
export interface ScanShape {
  b: number;
  l: number;
  d: number;
  n: number;
}

export const SCAN_FLOAT_NAMES = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias"] as const;
export type ScanInputName = (typeof SCAN_FLOAT_NAMES)[number] | "dy";

export function makeScanInputs(s: ScanShape, seed = 1): Record<ScanInputName, Float32Array> {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const uni = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
  const { b, l, d, n } = s;
  return {
    u: uni(b * l * d, -1, 1), // [b, l, d]
    delta: uni(b * l * d, -3, 0), // [b, l, d]
    A: Float32Array.from({ length: d * n }, (_, k) => -((k % n) + 1)), // [d, n]: S4D-real init
    B: uni(b * l * n, -1, 1), // [b, l, n]
    C: uni(b * l * n, -1, 1), // [b, l, n]
    D: uni(d, -1, 1), // [d]
    z: uni(b * l * d, -2, 2), // [b, l, d]
    deltaBias: uni(d, -4, -2), // [d]
    dy: uni(b * l * d, -1, 1), // [b, l, d]
  };
}

export function scanInputShape(name: ScanInputName, s: ScanShape): number[] {
  const { b, l, d, n } = s;
  if (name === "A") return [d, n];
  if (name === "B" || name === "C") return [b, l, n];
  if (name === "D" || name === "deltaBias") return [d];
  return [b, l, d];
}
