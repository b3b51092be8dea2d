/**
 * `renderSvg(spec, size)`: an image spec as an SVG document, `size`×`size` pixels, drawn on
 * a 100×100 canvas (the viewBox) so the layout does not depend on the size. Pure string
 * building — it runs unchanged in Node and in the browser; `render-node.ts` rasterises it.
 * MNIST digits are embedded as 28×28 PNG `data:` URIs (dark ink, alpha = grey level).
 */
import { fmt, operatorPath, sevenSegmentPath } from "./glyphs.ts";
import { COLOURS, ImageError, type BarChartImage, type DigitsImage, type ImageSpec, type LineChartImage, type SceneImage, type TableImage } from "./image-spec.ts";
import { MNIST_SIDE, type DigitSource } from "./mnist-digits.ts";
import { base64, encodePng } from "./png-encode.ts";

export interface RenderSvgOptions {
  /** Pixels of MNIST digits; required for `digits` specs (Node: `loadMnistDigits()`). */
  readonly digits?: DigitSource;
}

const INK = "#111111";
const AXIS = "#333333";
const GRID = "#e3e3e3";

export function renderSvg(spec: ImageSpec, size: number, options: RenderSvgOptions = {}): string {
  if (!Number.isInteger(size) || size < 1) throw new ImageError(`image size must be a positive integer, got ${size}`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="#ffffff"/>${body(spec, options)}</svg>`
  );
}

function body(spec: ImageSpec, options: RenderSvgOptions): string {
  switch (spec.kind) {
    case "digits":
      return digits(spec, options.digits);
    case "bar-chart":
      return barChart(spec);
    case "line-chart":
      return lineChart(spec);
    case "table":
      return table(spec);
    case "scene":
      return scene(spec);
    default:
      throw new ImageError(`unknown image kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

// ── MNIST digits ─────────────────────────────────────────────────────────────────────────
/** A digit as a grey+alpha PNG data URI: ink colour INK, opacity = MNIST grey level. */
function digitUri(source: DigitSource, label: number, index: number): string {
  const px = source.pixels(label, index);
  const n = MNIST_SIDE * MNIST_SIDE;
  const ga = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    ga[2 * i] = 0x11;
    ga[2 * i + 1] = Math.max(0, Math.min(255, Math.round(px[i]! * 255)));
  }
  return `data:image/png;base64,${base64(encodePng(MNIST_SIDE, MNIST_SIDE, 2, ga))}`;
}

/** Centres and box side (MNIST's 28 px box; the ink fills about its middle 20 px). */
function digitLayout(spec: DigitsImage): { centres: [number, number][]; box: number } {
  const n = spec.digits.length;
  switch (spec.layout) {
    case "row":
      return { centres: spec.digits.map((_, i) => [(100 / n) * (i + 0.5), 50]), box: Math.min(130 / n, 100) };
    case "grid":
      if (n !== 4) throw new ImageError(`a digit grid holds 4 digits, got ${n}`);
      return { centres: [[25, 25], [75, 25], [25, 75], [75, 75]], box: 56 };
    case "expression":
      if (n !== 2 || !spec.operator) throw new ImageError("an expression holds 2 digits and an operator");
      return { centres: [[18, 50], [82, 50]], box: 44 };
  }
}

function digits(spec: DigitsImage, source: DigitSource | undefined): string {
  if (!source) throw new ImageError("drawing MNIST digits needs options.digits (Node: loadMnistDigits())");
  const { centres, box } = digitLayout(spec);
  let out = spec.digits
    .map((d, i) => {
      const [cx, cy] = centres[i]!;
      return `<image x="${fmt(cx - box / 2)}" y="${fmt(cy - box / 2)}" width="${fmt(box)}" height="${fmt(box)}" preserveAspectRatio="none" href="${digitUri(source, d.label, d.index)}"/>`;
    })
    .join("");
  if (spec.layout === "expression") {
    out += `<path d="${operatorPath(spec.operator!, 50, 50, 10)}" stroke="${INK}" stroke-width="6" stroke-linecap="round" fill="none"/>`;
  }
  return out;
}

// ── charts: a 0–10 value axis from y = 92 (0) to y = 4 (10) ───────────────────────────────
const BASE = 92;
const UNIT = 8.8;
const valueY = (v: number) => BASE - v * UNIT;

function axes(): string {
  let grid = "";
  for (let v = 1; v <= 10; v++) grid += `M10 ${fmt(valueY(v))}H98`;
  return `<path d="${grid}" stroke="${GRID}" stroke-width="0.8"/><path d="M10 2V${BASE}H98" stroke="${AXIS}" stroke-width="1.6" fill="none"/>`;
}

function barChart(spec: BarChartImage): string {
  const slot = 86 / spec.bars.length;
  const bars = spec.bars
    .map((b, i) => {
      const h = b.value * UNIT;
      return `<rect x="${fmt(11 + slot * i + slot * 0.15)}" y="${fmt(BASE - h)}" width="${fmt(slot * 0.7)}" height="${fmt(h)}" fill="${COLOURS[b.colour]}"/>`;
    })
    .join("");
  return axes() + bars;
}

function lineChart(spec: LineChartImage): string {
  const k = spec.values.length;
  const pts = spec.values.map((v, i) => [16 + (i * 78) / (k - 1), valueY(v)] as const);
  const line = `<polyline points="${pts.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(" ")}" stroke="${COLOURS.blue}" stroke-width="3" fill="none" stroke-linejoin="round"/>`;
  const dots = pts.map(([x, y]) => `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="4" fill="${COLOURS.blue}"/>`).join("");
  return axes() + line + dots;
}

// ── tables: rows of [colour swatch | digit | digit] ──────────────────────────────────────
function table(spec: TableImage): string {
  const n = spec.rows.length;
  const rowH = 90 / n;
  let lines = `M3 5H97V95H3ZM33 5V95M65 5V95`;
  for (let i = 1; i < n; i++) lines += `M3 ${fmt(5 + i * rowH)}H97`;
  let out = `<path d="${lines}" stroke="${AXIS}" stroke-width="1.2" fill="none"/>`;
  spec.rows.forEach((r, i) => {
    const top = 5 + i * rowH;
    const s = rowH * 0.62;
    out += `<rect x="${fmt(18 - s / 2)}" y="${fmt(top + (rowH - s) / 2)}" width="${fmt(s)}" height="${fmt(s)}" fill="${COLOURS[r.colour]}"/>`;
    const gh = rowH * 0.62;
    const gw = gh * 0.55;
    const d = r.values.map((v, j) => sevenSegmentPath(v, (j === 0 ? 49 : 81) - gw / 2, top + (rowH - gh) / 2, gw, gh)).join("");
    out += `<path d="${d}" stroke="${INK}" stroke-width="3.6" stroke-linecap="round" fill="none"/>`;
  });
  return out;
}

// ── scenes: shapes centred in the cells of a grid ────────────────────────────────────────
function scene(spec: SceneImage): string {
  const cell = 100 / spec.grid;
  let grid = "";
  for (let i = 1; i < spec.grid; i++) grid += `M${fmt(i * cell)} 0V100M0 ${fmt(i * cell)}H100`;
  let out = `<path d="${grid}" stroke="#eeeeee" stroke-width="0.8"/>`;
  for (const o of spec.objects) {
    if (o.row < 0 || o.row >= spec.grid || o.col < 0 || o.col >= spec.grid) throw new ImageError(`scene object at (${o.row}, ${o.col}) is off the ${spec.grid}×${spec.grid} grid`);
    const cx = (o.col + 0.5) * cell;
    const cy = (o.row + 0.5) * cell;
    const s = cell * (o.size === "large" ? 0.86 : 0.5);
    const fill = COLOURS[o.colour];
    if (o.shape === "circle") out += `<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="${fmt(s / 2)}" fill="${fill}"/>`;
    else if (o.shape === "square") out += `<rect x="${fmt(cx - s / 2)}" y="${fmt(cy - s / 2)}" width="${fmt(s)}" height="${fmt(s)}" fill="${fill}"/>`;
    else out += `<polygon points="${fmt(cx)},${fmt(cy - s / 2)} ${fmt(cx + s / 2)},${fmt(cy + s / 2)} ${fmt(cx - s / 2)},${fmt(cy + s / 2)}" fill="${fill}"/>`;
  }
  return out;
}
