/**
 * What an image shows, as plain JSON data: no pixels, no sizes. `renderSvg` turns a spec
 * into an SVG at any size; `render-node.ts` rasterises it. Coordinates are implied by the
 * kind and its fields (grid cells, bar order), so a spec is also what the tests' independent
 * solvers read to recompute answers.
 */

/** The named colours of the charts and scenes; the names are the words used in questions. */
export const COLOURS = {
  red: "#d62728",
  blue: "#1f5fbf",
  green: "#2ca02c",
  yellow: "#f0c000",
  orange: "#ff7f0e",
  purple: "#8e44ad",
} as const;
export type Colour = keyof typeof COLOURS;

/** One real MNIST digit: its class and its index among that class's images in the `mnist` package. */
export interface DigitRef {
  /** The digit shown, 0–9. */
  readonly label: number;
  /** Index into `mnist[label]` (0 ≤ index < MNIST_COUNTS[label]). */
  readonly index: number;
}

export type Operator = "plus" | "minus" | "times";

/**
 * Handwritten digits. `row`: 2–3 digits left to right; `grid`: 4 digits, 2×2, read row by
 * row (top left, top right, bottom left, bottom right); `expression`: two digits with an
 * operator glyph between them.
 */
export interface DigitsImage {
  readonly kind: "digits";
  readonly layout: "row" | "grid" | "expression";
  readonly digits: readonly DigitRef[];
  /** Only for `expression`. */
  readonly operator?: Operator;
}

/** Vertical bars on a 0–10 axis, left to right. */
export interface BarChartImage {
  readonly kind: "bar-chart";
  readonly bars: readonly { readonly colour: Colour; readonly value: number }[];
}

/** Points at equal x spacing, values on a 0–10 axis, joined by a line. */
export interface LineChartImage {
  readonly kind: "line-chart";
  readonly values: readonly number[];
}

/** Rows marked by a colour swatch, each holding two single-digit numbers (seven-segment glyphs). */
export interface TableImage {
  readonly kind: "table";
  readonly rows: readonly { readonly colour: Colour; readonly values: readonly [number, number] }[];
}

export type Shape = "circle" | "square" | "triangle";
export type ShapeSize = "small" | "large";

/** A shape in cell (row, col) of the scene grid; row 0 is the top, col 0 the left. */
export interface SceneObject {
  readonly shape: Shape;
  readonly colour: Colour;
  readonly size: ShapeSize;
  readonly row: number;
  readonly col: number;
}

/** Shapes on a `grid`×`grid` board, at most one per cell. */
export interface SceneImage {
  readonly kind: "scene";
  readonly grid: number;
  readonly objects: readonly SceneObject[];
}

export type ImageSpec = DigitsImage | BarChartImage | LineChartImage | TableImage | SceneImage;

/** Canonical text of a spec (fields in declaration order): equal specs ⇔ equal keys. */
export function imageKey(spec: ImageSpec): string {
  return JSON.stringify(spec);
}

/** A bad image: a spec that cannot be drawn, or PNG bytes of the wrong size, channels or format. */
export class ImageError extends Error {
  override name = "ImageError";
}
