/**
 * Sizes of the presets side by side, one row per part, on a log axis (the playground's
 * parts are 10⁴–10⁶ times smaller than Meteor-7B's): a dot per preset, joined per part.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";

export interface CostRow {
  preset: string;
  /** Display label of the part, e.g. "Meteor-Mamba". */
  part: string;
  params: number;
  bytes: number;
  flops: number;
}

export interface CostChartOptions {
  width: number;
  /** Which quantity to plot. */
  value: "params" | "bytes" | "flops";
  /** Axis label. */
  label: string;
  /** Presets in legend order. */
  presets: readonly string[];
  /** Parts, top to bottom. */
  parts: readonly string[];
  /** The preset to emphasise (the one selected on the page). */
  highlight?: string;
}

export function costChart(rows: readonly CostRow[], { width, value, label, presets, parts, highlight }: CostChartOptions): SVGSVGElement | HTMLElement {
  const data = rows.filter((r) => r[value] > 0);
  return Plot.plot({
    width: fitWidth(width),
    height: 40 + 32 * parts.length,
    marginLeft: 170,
    x: { type: "log", label, grid: true },
    y: { domain: parts, label: null },
    color: { domain: presets, legend: true },
    marks: [
      Plot.ruleY(parts, { stroke: "currentColor", strokeOpacity: 0.1 }),
      Plot.line(data, { x: value, y: "part", z: "part", stroke: "currentColor", strokeOpacity: 0.25 }),
      Plot.dot(
        data.filter((d) => d.preset !== highlight),
        { x: value, y: "part", fill: "preset", r: 4.5 },
      ),
      Plot.dot(
        data.filter((d) => d.preset === highlight),
        { x: value, y: "part", fill: "preset", r: 7, stroke: "currentColor", strokeWidth: 1.5 },
      ),
      Plot.tip(
        data,
        Plot.pointer({ x: value, y: "part", title: (d: CostRow) => `${d.preset} · ${d.part}\n${label}: ${d[value].toLocaleString("en-US")}` }),
      ),
    ],
  });
}
