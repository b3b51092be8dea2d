/**
 * The Ablations page's lead: the study's paired comparisons (meteor-vs-mlm, meteor-vs-oracle,
 * real-vs-blank-images, and each Table 3 factor's best-vs-other pairs) as differences with
 * their 95% intervals and minimum detectable differences, and each factor's verdict. All
 * numbers come from the report (`src/lib/ablation/study-report.ts`); nothing is computed here.
 */
import * as Plot from "@observablehq/plot";
import type { PairedComparison } from "../../src/lib/ablation/paired.ts";
import type { AblationReport } from "../../src/lib/ablation/report.ts";
import type { ScopeBreakdown } from "../../src/lib/ablation/study-report.ts";
import { fitWidth, h } from "./dom.js";

const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;

/** Differences a − b (points of accuracy) with 95% intervals; a band of ± mde80 around 0 shows what the seeds could not have detected. */
export function pairedChart(comparisons: readonly PairedComparison[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const rows = comparisons.filter((c) => c.n > 0).map((c) => ({ name: c.name, diff: c.diff, lo: c.ci95?.[0] ?? null, hi: c.ci95?.[1] ?? null, mde: c.mde80 }));
  if (rows.length === 0) return h("p", { class: "no-results" }, "No finished pairs yet.");
  return Plot.plot({
    width: fitWidth(width, 480),
    height: 40 + rows.length * 28,
    marginLeft: 230,
    x: { label: "difference a − b (accuracy; 95% interval over paired seeds)", tickFormat: (d: number) => `${Math.round(d * 100)}`, grid: true },
    y: { label: null, domain: rows.map((r) => r.name) },
    marks: [
      Plot.ruleX([0]),
      Plot.barX(rows.filter((r) => r.mde !== null), { y: "name", x1: (r) => -r.mde!, x2: (r) => r.mde!, fill: "#ddd", insetTop: 6, insetBottom: 6, title: (r) => `mde80 ${(100 * r.mde!).toFixed(1)} pts` }),
      Plot.ruleY(rows.filter((r) => r.lo !== null), { y: "name", x1: "lo", x2: "hi", strokeWidth: 2 }),
      Plot.dot(rows, { y: "name", x: "diff", fill: "currentColor", r: 4, title: (r) => `${pts(r.diff)} pts` }),
    ],
  });
}

/** The table of headline comparisons. */
export function comparisonTable(comparisons: readonly PairedComparison[]): HTMLTableElement {
  const cell = (x: number | null | undefined, f: (v: number) => string) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : f(x));
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return h(
    "table",
    { class: "paired" },
    h("thead", {}, h("tr", {}, ...["comparison", "a", "b", "mean a", "mean b", "a − b (pts)", "95% interval", "mde80 (pts)", "seeds"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      comparisons.map((c) =>
        h(
          "tr",
          {},
          h("td", {}, c.name),
          h("td", {}, c.a),
          h("td", {}, c.b),
          h("td", {}, cell(c.meanA, pct)),
          h("td", {}, cell(c.meanB, pct)),
          h("td", {}, cell(c.diff, pts)),
          h("td", {}, c.ci95 ? `[${pts(c.ci95[0])}, ${pts(c.ci95[1])}]` : "–"),
          h("td", {}, cell(c.mde80, (v) => (100 * v).toFixed(1))),
          h("td", {}, String(c.n)),
        ),
      ),
    ),
  );
}

/**
 * Per family and per tier: the template prior, Meteor and the MLM alone (means over seeds),
 * and the two differences that say what Meteor gets from its <tor> features and from its
 * images, each with its 95% interval and mde80.
 */
export function scopeTable(scopes: readonly ScopeBreakdown[]): HTMLTableElement | HTMLElement {
  if (scopes.length === 0) return h("p", { class: "no-results" }, "This report has no per-family breakdown.");
  const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : `${(100 * v).toFixed(1)}%`);
  const diff = (c: PairedComparison | undefined) =>
    !c || c.n === 0 ? "–" : `${pts(c.diff)}${c.ci95 ? ` [${pts(c.ci95[0])}, ${pts(c.ci95[1])}]` : ""}${c.mde80 !== null ? ` (mde80 ${(100 * c.mde80).toFixed(1)})` : ""}`;
  return h(
    "table",
    { class: "scopes" },
    h("thead", {}, h("tr", {}, ...["questions", "n", "template prior", "Meteor", "MLM alone", "Meteor − MLM (pts)", "real − blank images (pts)"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      scopes.map((x) => {
        const get = (name: string) => x.comparisons.find((c) => c.name === name);
        const vsMlm = get("meteor-vs-mlm");
        return h(
          "tr",
          { "data-scope": `${x.kind}:${x.name}` },
          h("td", {}, `${x.kind === "tier" ? "tier: " : ""}${x.name}`),
          h("td", {}, String(x.questions)),
          h("td", {}, pct(x.prior)),
          h("td", {}, pct(vsMlm?.meanA)),
          h("td", {}, pct(vsMlm?.meanB)),
          h("td", {}, diff(vsMlm)),
          h("td", {}, diff(get("real-vs-blank-images"))),
        );
      }),
    ),
  );
}

/** The study's section: what was run, the headline comparisons, and each factor's paired verdict. */
export function studySection(report: AblationReport, { width }: { width: number }): HTMLElement {
  const factors = report.paired ?? [];
  return h(
    "section",
    { class: "study", id: "study" },
    h("p", { class: "study-status" }, `Preset ${report.preset}: ${report.cellsDone} of ${report.cellsTotal} cells finished, ${report.seeds} paired seeds planned, ${report.evalQuestions} test questions per cell. Command: ${report.command || "–"}`),
    comparisonTable(report.comparisons ?? []),
    h("p", {}, `Per family and tier (template prior overall: ${report.prior == null ? "–" : `${(100 * report.prior).toFixed(1)}%`}):`),
    scopeTable(report.scopes ?? []),
    pairedChart([...(report.comparisons ?? []), ...factors.flatMap((f) => f.comparisons)], { width }),
    h("ul", { class: "paired-verdicts" }, factors.map((f) => h("li", { class: `verdict-${f.verdict.replace(" ", "-")}` }, h("b", {}, `${f.title}: ${f.verdict}. `), f.sentence))),
  );
}
