/**
 * The paper's score tables as the Benchmarks page shows them: types shared with the loader
 * (`docs/data/paper-scores.json.ts`), a heatmap per table and the ablation chart.
 *
 * Meteor's cells are outlined in orange; where two sources give one model different
 * scores, those cells are outlined in dashed purple.
 *
 * Missing values stay missing: "-" (not reported) and "?" (unrecoverable) are null scores
 * with a `missing` reason, drawn as dashed empty cells marked "–" / "?", never as zero.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";

export type MissingReason = "not reported" | "unrecoverable";

export interface ScoreRow {
  model: string;
  /** Benchmark → score, null when missing. */
  scores: Record<string, number | null>;
  /** Benchmark → why the score is missing. */
  missing: Record<string, MissingReason>;
  /** Meteor's own row. */
  meteor: boolean;
  /** The source named in the model label ("README", "paper Fig. 2", "README only"), else null. */
  source: string | null;
  /** Another row of the same model follows a different source with different scores. */
  disagrees: boolean;
}

export interface ScoreTable {
  /** File stem, e.g. "scores-7b-open". */
  name: string;
  title: string;
  /** Benchmark columns in file order. */
  benchmarks: string[];
  rows: ScoreRow[];
}

export interface AblationRow {
  factor: string;
  variant: string;
  fullModel: boolean;
  scores: Record<string, number | null>;
}

/** Scores as the paper prints them: one decimal, MME-style totals as integers. */
export function formatScore(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

interface Cell {
  model: string;
  benchmark: string;
  score: number | null;
  /** (score − column min) / (column max − column min); null when missing. */
  relative: number | null;
  label: string;
  meteor: boolean;
}

/** Model × benchmark heatmap, colour scaled per column (MME is out of 2800, the rest out of 100). */
export function scoreHeatmap(table: ScoreTable, { width }: { width: number }): SVGSVGElement | HTMLElement {
  const cells: Cell[] = table.benchmarks.flatMap((b) => {
    const present = table.rows.map((r) => r.scores[b]).filter((x): x is number => x !== null);
    const lo = Math.min(...present);
    const hi = Math.max(...present);
    return table.rows.map((r) => {
      const score = r.scores[b] ?? null;
      return {
        model: r.model,
        benchmark: b,
        score,
        relative: score === null ? null : hi > lo ? (score - lo) / (hi - lo) : 1,
        label: score === null ? (r.missing[b] === "unrecoverable" ? "?" : "–") : formatScore(score),
        meteor: r.meteor,
      };
    });
  });
  const present = cells.filter((c) => c.score !== null);
  const missing = cells.filter((c) => c.score === null);
  // Cells where two sources give the same model different scores.
  const base = (model: string) => model.replace(/\s*\([^)]*\)\s*$/, "");
  const conflicts = cells.filter((c) => {
    const row = table.rows.find((r) => r.model === c.model)!;
    return row.disagrees && table.rows.some((o) => o !== row && base(o.model) === base(row.model) && o.scores[c.benchmark] !== c.score);
  });
  const models = table.rows.map((r) => r.model);
  return Plot.plot({
    width: fitWidth(width, 480), // never narrower than its 190-px label margin plus the cells
    height: 50 + 24 * models.length,
    marginLeft: 190,
    marginTop: 40,
    x: { axis: "top", domain: table.benchmarks, label: null, tickRotate: table.benchmarks.length > 9 ? -30 : 0 },
    y: { domain: models, label: null },
    color: { type: "linear", scheme: "blues", domain: [0, 1.15] },
    marks: [
      Plot.cell(present, { x: "benchmark", y: "model", fill: "relative", inset: 0.5 }),
      Plot.cell(missing, { x: "benchmark", y: "model", fill: "none", stroke: "currentColor", strokeOpacity: 0.3, strokeDasharray: "3,2", inset: 2 }),
      Plot.cell(
        cells.filter((c) => c.meteor),
        { x: "benchmark", y: "model", fill: "none", stroke: "#e8590c", strokeWidth: 2.5, inset: 0.5 },
      ),
      Plot.cell(conflicts, { x: "benchmark", y: "model", fill: "none", stroke: "#7048e8", strokeWidth: 2.5, strokeDasharray: "4,2", inset: 0.5 }),
      ...[false, true].map((meteor) =>
        Plot.text(
          cells.filter((c) => c.meteor === meteor),
          {
            x: "benchmark",
            y: "model",
            text: "label",
            fontWeight: meteor ? "bold" : "normal",
            fill: (c: Cell) => (c.score === null ? "gray" : (c.relative ?? 0) > 0.6 ? "white" : "black"),
            title: (c: Cell) => `${c.model} · ${c.benchmark}: ${c.score ?? (c.label === "?" ? "unrecoverable" : "not reported")}`,
          },
        ),
      ),
    ],
  });
}

const FACTOR_TITLES: Record<string, string> = {
  embedder: "rationale embedder",
  backbone: "backbone LLM",
  tor_count: "number of <tor>",
  tor_position: "<tor> position",
  mamba_x_rationale: "Mamba × rationale",
  step1_rationale_share: "share of question–rationale pairs in step 1",
};

/**
 * Table 3: one small dot chart per factor (variants on y, scores on a shared x axis), Meteor's
 * own setting outlined in orange. Only `metrics` are drawn (MME appears in one factor only).
 */
export function ablationChart(rows: readonly AblationRow[], { width, metrics }: { width: number; metrics: readonly string[] }): HTMLElement {
  const points = rows.flatMap((r) =>
    metrics.flatMap((m) => (r.scores[m] == null ? [] : [{ factor: r.factor, variant: r.variant, metric: m, score: r.scores[m]!, full: r.fullModel }])),
  );
  const xDomain = [Math.floor(Math.min(...points.map((p) => p.score)) / 5) * 5, Math.ceil(Math.max(...points.map((p) => p.score)) / 5) * 5];
  const root = document.createElement("div");
  root.className = "ablations";
  const factors = [...new Set(rows.map((r) => r.factor))];
  factors.forEach((factor, i) => {
    const own = points.filter((p) => p.factor === factor);
    const variants = rows.filter((r) => r.factor === factor).map((r) => r.variant);
    const title = document.createElement("h3");
    title.textContent = FACTOR_TITLES[factor] ?? factor;
    root.append(
      title,
      Plot.plot({
        width: fitWidth(width, 600), // never narrower than its 330-px label margin plus the bars
        height: 30 + 24 * variants.length + (i === factors.length - 1 ? 30 : 0),
        marginLeft: 330,
        marginRight: 30,
        marginTop: 10,
        x: { domain: xDomain, label: i === factors.length - 1 ? "score" : null, grid: true, axis: i === factors.length - 1 ? "bottom" : null },
        y: { label: null, domain: variants },
        color: { domain: metrics, legend: i === 0 },
        marks: [
          Plot.ruleY(variants, { stroke: "currentColor", strokeOpacity: 0.1 }),
          Plot.dot(
            own.filter((p) => p.full),
            { x: "score", y: "variant", fill: "metric", r: 6, stroke: "#e8590c", strokeWidth: 2 },
          ),
          Plot.dot(
            own.filter((p) => !p.full),
            { x: "score", y: "variant", fill: "metric", r: 4.5 },
          ),
          Plot.tip(own, Plot.pointer({ x: "score", y: "variant", title: (p: (typeof own)[number]) => `${p.variant}\n${p.metric}: ${p.score}` })),
        ],
      }),
    );
  });
  return root;
}
