/**
 * The Ablations page's charts: per factor, our mean ± 95% interval over seeds of test
 * accuracy per variant (overall, then each family; single seeds as faint dots), beside the
 * paper's row for the factor, with the verdict sentence the library computed. Everything
 * numeric comes from the report (`src/lib/ablation/report.ts`); nothing is computed here.
 */
import * as Plot from "@observablehq/plot";
import type { AblationReport, FactorReport, PaperRow } from "../../src/lib/ablation/report.ts";
import { fitWidth, h } from "./dom.js";
import { ablationChart } from "./scores.js";

interface Point {
  variant: string;
  scope: string;
  mean: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Our accuracy per variant and scope, one facet row per variant. */
export function ourFactorChart(factor: FactorReport, { width, families }: { width: number; families: readonly string[] }): SVGSVGElement | HTMLElement {
  const scopes = ["overall", ...families];
  const points: Point[] = factor.variants.flatMap((v) =>
    [["overall", v.overall] as const, ...families.map((f) => [f, v.families[f]!] as const)]
      .filter(([, s]) => s && s.n > 0)
      .map(([scope, s]) => ({ variant: v.label, scope, mean: s.mean, lo: s.ci95?.[0] ?? null, hi: s.ci95?.[1] ?? null, seeds: s.n })),
  );
  const seeds = factor.variants.flatMap((v) =>
    [["overall", v.overall] as const, ...families.map((f) => [f, v.families[f]!] as const)].flatMap(([scope, s]) => (s?.values ?? []).map((x) => ({ variant: v.label, scope, x }))),
  );
  const bars = points.filter((p) => p.lo !== null);
  return Plot.plot({
    width: fitWidth(width, 480), // 280 px of margins: never narrower than the labels
    height: 40 + factor.variants.length * (16 * scopes.length + 14),
    marginLeft: 90,
    marginRight: 190,
    x: { domain: [0, 1], label: "test accuracy (mean over seeds, 95% interval)", tickFormat: (d: number) => `${Math.round(d * 100)}%`, grid: true },
    fy: { domain: factor.variants.map((v) => v.label), label: null, padding: 0.15 },
    y: { domain: scopes, label: null },
    color: { domain: scopes, legend: true },
    marks: [
      Plot.frame({ strokeOpacity: 0.1 }),
      Plot.axisFy({ anchor: "right", label: null, lineWidth: 15 }), // long variant names wrap within the right margin
      Plot.dot(seeds, { x: "x", y: "scope", fy: "variant", stroke: "scope", r: 2, strokeOpacity: 0.4 }),
      Plot.ruleY(bars, { x1: "lo", x2: "hi", y: "scope", fy: "variant", stroke: "scope", strokeWidth: 2, className: "interval" }),
      Plot.dot(points, { x: "mean", y: "scope", fy: "variant", fill: "scope", r: 4, className: "mean" }),
      Plot.tip(points, Plot.pointer({ x: "mean", y: "scope", fy: "variant", title: (p: Point) => `${p.variant} · ${p.scope}\n${pct(p.mean)}${p.lo !== null ? ` [${pct(p.lo)}, ${pct(p.hi!)}]` : " (one seed: no interval)"}\n${p.seeds} seed${p.seeds === 1 ? "" : "s"}` })),
    ],
  });
}

/** Speed and size per variant (the paper's embedder row reports batches/s). */
function speedTable(factor: FactorReport): HTMLElement {
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  return h(
    "table",
    { class: "speed" },
    h("thead", {}, h("tr", {}, ["variant", "seeds", "step-1 batches/s", "tokens/s", "train time (s)", "embedder params", "MLM params"].map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      factor.variants.map((v) =>
        h(
          "tr",
          {},
          h("td", {}, v.label),
          h("td", {}, `${v.seedsDone}/${v.seedsPlanned}`),
          h("td", {}, fmt(v.embedBatchesPerSecond.mean, 2)),
          h("td", {}, fmt(v.tokensPerSecond.mean, 0)),
          h("td", {}, fmt(v.trainSeconds.mean, 0)),
          h("td", {}, v.parameters ? v.parameters.embedder.toLocaleString("en-US") : "–"),
          h("td", {}, v.parameters ? v.parameters.mlm.toLocaleString("en-US") : "–"),
        ),
      ),
    ),
  );
}

/** One factor: our chart (or "no results yet"), the paper's row, the verdict, speeds. */
export function factorSection(factor: FactorReport, { width, paper, families }: { width: number; paper: readonly PaperRow[]; families: readonly string[] }): HTMLElement {
  const none = factor.verdict.outcome === "no-results";
  const own = paper.filter((r) => r.factor === factor.name);
  const half = Math.max(480, width > 900 ? Math.floor(width / 2) - 20 : width); // Framework's width is 0 before layout
  return h(
    "section",
    { class: "factor", "data-factor": factor.name, "data-outcome": factor.verdict.outcome },
    h("h2", {}, factor.title),
    none ? null : h("p", { class: `verdict outcome-${factor.verdict.outcome}` }, factor.verdict.sentence),
    h(
      "div",
      { class: width > 900 ? "grid grid-cols-2" : "" },
      h("div", { class: "card ours" }, h("h3", {}, "Playground (ours)"), none ? h("p", { class: "no-results" }, "No results yet for this factor.") : ourFactorChart(factor, { width: half, families })),
      h(
        "div",
        { class: "card paper" },
        h("h3", {}, "Paper (Table 3, MMB and MM-Vet)"),
        own.length ? ablationChart(own, { width: half, metrics: ["MMB", "MM_Vet"] }) : h("p", {}, "The paper has no row for this factor."),
      ),
    ),
    none ? null : speedTable(factor),
    factor.note ? h("p", { class: "note" }, `${factor.note[0]!.toUpperCase()}${factor.note.slice(1)}.`) : null,
  );
}

/** The sweep's progress and provenance in one line. */
export function sweepStatus(report: AblationReport): HTMLElement {
  const m = report.machine;
  return h(
    "p",
    { class: "status", "data-done": report.cellsDone, "data-total": report.cellsTotal },
    `${report.cellsDone} of ${report.cellsTotal} cells finished (${report.preset} preset, ${report.seeds} seeds per variant)`,
    report.secondsPerCell !== null ? `, ${Math.round(report.secondsPerCell)} s per cell on average` : "",
    report.pretrainSeconds != null ? ` after a shared pretrain stage of ${Math.round(report.pretrainSeconds)} s` : "",
    report.commit ? `. Report written ${report.generatedAt.slice(0, 16).replace("T", " ")} at commit ${report.commit.slice(0, 10)}` : "",
    m.cpus ? ` on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB` : "",
    report.command ? ` by “${report.command}”.` : ".",
  );
}

/** The sweep against the paper in two sentences (computed by the library: `summarizeVerdicts`). */
export function sweepSummary(report: AblationReport): HTMLElement {
  const s = report.summary;
  return h("p", { class: "summary", id: "summary", "data-agree": s.pairs.agree, "data-disagree": s.pairs.disagree, "data-overlap": s.pairs.overlap }, h("b", {}, "In short: "), s.sentence);
}
