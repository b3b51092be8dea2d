/**
 * Charts of the selective-scan benchmark rows (`bench/scan.ts`, committed as
 * `data/bench/*.json`): throughput (state updates per second) against sequence length, one
 * panel per channel count (and per file, when several are committed), a line per kernel and
 * batch size. Skipped runs (ms null) are
 * left out of the lines and listed under the chart by the page.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";
import type { ScanBenchRow } from "../../bench/scan-row.ts";

/** A bench row and the committed file it came from. */
export type ScanRow = ScanBenchRow & { source: string };

/** The rows that describe scan runs (other benches may share the files). */
export function scanRows(rows: readonly Record<string, unknown>[]): ScanRow[] {
  return rows.filter(
    (r): r is Record<string, unknown> & ScanRow => typeof r.kernel === "string" && typeof r.l === "number" && typeof r.dInner === "number" && typeof r.b === "number",
  );
}

export function scanBenchChart(rows: readonly ScanRow[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const measured = rows.filter((r) => r.elementsPerSec !== null).map((r) => ({ ...r, series: `${r.source} ${r.kernel} b=${r.b}`, rate: r.elementsPerSec! }));
  const sources = [...new Set(rows.map((r) => r.source))];
  return Plot.plot({
    width: fitWidth(width),
    height: 60 + 260 * sources.length,
    marginRight: 20,
    x: { type: "log", label: "sequence length l", ticks: [...new Set(rows.map((r) => r.l))] },
    y: { type: "log", label: "state updates / s (forward + backward)", grid: true },
    fx: { label: "dInner" },
    fy: { label: sources.length > 1 ? "file" : null, domain: sources, axis: sources.length > 1 ? "right" : null },
    color: { legend: true, domain: [...new Set(rows.map((r) => r.kernel))] },
    symbol: { legend: true },
    marks: [
      Plot.line(measured, { x: "l", y: "rate", fx: "dInner", fy: "source", z: "series", stroke: "kernel", strokeOpacity: 0.7 }),
      Plot.dot(measured, { x: "l", y: "rate", fx: "dInner", fy: "source", stroke: "kernel", symbol: (r: { b: number }) => `b=${r.b}`, tip: true }),
    ],
  });
}

export interface MicroRow {
  impl: string;
  backend: string;
  forwardMs: number;
  forwardBackwardMs: number | null;
  ok: boolean;
}

/** A micro-bench row's name on the chart: the backend and the implementation. */
export function microLabel(r: { impl: string; backend: string }): string {
  return r.impl === "reference" ? "reference" : `${r.backend} ${r.impl}`;
}

/** The in-page micro-benchmark: forward and forward+backward milliseconds per implementation. */
export function microBenchChart(rows: readonly MicroRow[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const bars = rows.flatMap((r) => [
    { impl: microLabel(r), pass: "forward", ms: r.forwardMs, ok: r.ok },
    ...(r.forwardBackwardMs === null ? [] : [{ impl: microLabel(r), pass: "forward + backward", ms: r.forwardBackwardMs, ok: r.ok }]),
  ]);
  return Plot.plot({
    width: fitWidth(width),
    height: 70 + 2 * 30 * rows.length,
    marginLeft: 120,
    marginRight: 110,
    x: { label: "milliseconds (median)", grid: true },
    y: { label: null, domain: rows.map(microLabel) },
    fy: { label: null },
    color: { legend: true, domain: ["forward", "forward + backward"] },
    marks: [
      Plot.barX(bars, { x: "ms", y: "impl", fy: "pass", fill: "pass" }),
      Plot.text(bars, { x: "ms", y: "impl", fy: "pass", text: (d: { ms: number; ok: boolean }) => `${d.ms.toFixed(1)} ms${d.ok ? "" : " ✗ wrong"}`, dx: 4, textAnchor: "start" }),
      Plot.ruleX([0]),
    ],
  });
}
