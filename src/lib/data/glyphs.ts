/**
 * Font-free glyphs as SVG path data, so images look the same in every renderer and stay
 * legible at 32×32: seven-segment digits for tables, and the operator signs of expressions.
 */
import type { Operator } from "./image-spec.ts";

/** Segments a–g of a seven-segment digit (a top, b top right, c bottom right, d bottom, e bottom left, f top left, g middle). */
const SEGMENTS: readonly string[] = ["abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg", "abcdfg"];

/** 2 decimals: compact, and the same text in every JS engine. */
export const fmt = (x: number): string => String(Math.round(x * 100) / 100);

/** Path data of digit `d` (0–9) in the box with top left (x, y), width w and height h. */
export function sevenSegmentPath(d: number, x: number, y: number, w: number, h: number): string {
  const segs = SEGMENTS[d];
  if (segs === undefined) throw new RangeError(`seven-segment digit must be 0–9, got ${d}`);
  const [x0, x1, y0, ym, y1] = [x, x + w, y, y + h / 2, y + h];
  const lines: Record<string, [number, number, number, number]> = {
    a: [x0, y0, x1, y0], b: [x1, y0, x1, ym], c: [x1, ym, x1, y1], d: [x0, y1, x1, y1],
    e: [x0, ym, x0, y1], f: [x0, y0, x0, ym], g: [x0, ym, x1, ym],
  };
  return [...segs].map((s) => { const [a, b, c, e] = lines[s]!; return `M${fmt(a)} ${fmt(b)}L${fmt(c)} ${fmt(e)}`; }).join("");
}

/** Path data of an operator sign centred at (cx, cy) with half-width r. */
export function operatorPath(op: Operator, cx: number, cy: number, r: number): string {
  const p = (...xs: number[]) => xs.map(fmt).join(" ");
  switch (op) {
    case "plus":
      return `M${p(cx - r, cy)}L${p(cx + r, cy)}M${p(cx, cy - r)}L${p(cx, cy + r)}`;
    case "minus":
      return `M${p(cx - r, cy)}L${p(cx + r, cy)}`;
    case "times": {
      const q = r * 0.8;
      return `M${p(cx - q, cy - q)}L${p(cx + q, cy + q)}M${p(cx + q, cy - q)}L${p(cx - q, cy + q)}`;
    }
  }
}
