/**
 * A sweep's report: for each factor and variant, the mean and 95% interval over seeds of
 * test accuracy (overall and per family), training time, tokens/s and batches/s, beside the
 * paper's row, with a verdict on the ordering (`verdict.ts`). Pure: the caller reads the
 * cache and the paper's table and writes the files (`reportCsv`, `cellsCsv`).
 */
import type { Plan } from "./plan.ts";
import { paperMean, type PaperRow } from "./paper-table.ts";

export { parsePaperTable3, type PaperRow } from "./paper-table.ts";
import type { CellResult, MachineInfo } from "./result.ts";
import { FRACTION, NON_NEGATIVE, seedStat, type SeedStat } from "./stats.ts";
import { summarizeVerdicts, verdictOf, type SweepSummary, type Verdict } from "./verdict.ts";
import type { PairedComparison } from "./paired.ts";
import { buildStudyReport, type QuestionScope, type ScopeBreakdown, type StudyFactor, type StudyReport } from "./study-report.ts";

export const REPORT_FORMAT = 1;

export interface VariantReport {
  id: string;
  label: string;
  /** The paper's row for this variant, if it has one. */
  paper: PaperRow | null;
  /** Mean of the paper's MMB and MM-Vet, or null. */
  paperScore: number | null;
  /** Cell ids, seed order. */
  cells: string[];
  /** Seeds finished of those planned. */
  seedsDone: number;
  seedsPlanned: number;
  overall: SeedStat;
  families: Record<string, SeedStat>;
  trainSeconds: SeedStat;
  tokensPerSecond: SeedStat;
  /** Optimisation steps per second of the embed stage (the paper's "batches/s" of the embedder), and of the answer stage. */
  embedBatchesPerSecond: SeedStat;
  answerBatchesPerSecond: SeedStat;
  /** Parameters of the rationale embedder and of the MLM (from the first finished cell). */
  parameters: { embedder: number; mlm: number; total: number } | null;
  backends: string[];
}

export interface FactorReport {
  name: string;
  title: string;
  comparable: boolean;
  note?: string;
  variants: VariantReport[];
  verdict: Verdict;
}

export interface AblationReport {
  format: typeof REPORT_FORMAT;
  preset: string;
  seeds: number;
  families: string[];
  cellsDone: number;
  cellsTotal: number;
  /** Mean seconds a finished cell trained (its pretrain excluded: see pretrainSeconds) and was scored. */
  secondsPerCell: number | null;
  /** Mean seconds of one pretrain stage, trained once per seed and MLM size and shared. */
  pretrainSeconds: number | null;
  generatedAt: string;
  command: string;
  commit: string;
  machine: MachineInfo;
  factors: FactorReport[];
  /** The sweep against the paper, over all factors (`summarizeVerdicts`). */
  summary: SweepSummary;
  /** Test questions per cell. */
  evalQuestions: number;
  /**
   * Paired comparisons over seeds (`study-report.ts`): meteor-vs-mlm, meteor-vs-oracle,
   * real-vs-blank-images, each with its 95% interval and minimum detectable difference.
   */
  comparisons: PairedComparison[];
  /** Template-prior accuracy on the test questions (null when the report was not given them). */
  prior: number | null;
  /** The headline comparisons per family and per tier, each beside its template prior. */
  scopes: ScopeBreakdown[];
  /** Per Table 3 factor: the paper's best variant against each other, paired, with a verdict (agree / disagree / no effect). */
  paired: StudyFactor[];
}

/** A factor's verdict from its variants' overall accuracy (`verdictOf`). */
export function factorVerdict(f: Pick<FactorReport, "comparable" | "note" | "variants">): Verdict {
  return verdictOf(
    f.variants.map((v) => ({ id: v.id, label: v.label, paperScore: v.paperScore, ours: v.overall })),
    { comparable: f.comparable, ...(f.note ? { note: f.note } : {}) },
  );
}

export function buildReport(
  plan: Plan,
  results: ReadonlyMap<string, CellResult>,
  meta: {
    command: string;
    commit: string;
    machine: MachineInfo;
    families: readonly string[];
    paper: readonly PaperRow[];
    generatedAt?: string;
    /** The cells' test questions (family, tier) in test order, and the template prior's hits on them. */
    questions?: readonly QuestionScope[];
    priorCorrect?: readonly boolean[];
  },
): AblationReport {
  const factors: FactorReport[] = plan.factors.map((factor) => {
    const variants: VariantReport[] = factor.variants.map((variant) => {
      const cells = plan.cells.filter((c) => c.labels.some((l) => l.factor === factor.name && l.variant === variant.id));
      const done = cells.map((c) => results.get(c.key)).filter((r): r is CellResult => r !== undefined);
      const paper = variant.paper === null ? null : (meta.paper.find((p) => p.factor === factor.name && p.variant === variant.paper) ?? null);
      const perStage = (stage: "embed" | "answer") =>
        seedStat(done.flatMap((r) => (r.timing[stage] && r.timing[stage]!.seconds > 0 ? [r.timing[stage]!.steps / r.timing[stage]!.seconds] : [])), NON_NEGATIVE);
      const first = done[0];
      return {
        id: variant.id,
        label: variant.label,
        paper,
        paperScore: paperMean(paper),
        cells: cells.map((c) => c.id),
        seedsDone: done.length,
        seedsPlanned: cells.length,
        overall: seedStat(done.map((r) => r.test.overall.accuracy), FRACTION),
        families: Object.fromEntries(meta.families.map((f) => [f, seedStat(done.flatMap((r) => (r.test.families[f] ? [r.test.families[f]!.accuracy] : [])), FRACTION)])),
        trainSeconds: seedStat(done.map((r) => r.trainSeconds), NON_NEGATIVE),
        tokensPerSecond: seedStat(done.map((r) => r.tokensPerSecond), NON_NEGATIVE),
        embedBatchesPerSecond: perStage("embed"),
        answerBatchesPerSecond: perStage("answer"),
        parameters: first ? { embedder: first.parameters.mamba ?? 0, mlm: first.parameters.mlm ?? 0, total: first.parameters.total ?? 0 } : null,
        backends: [...new Set(done.map((r) => r.machine.backend))],
      };
    });
    const base = { name: factor.name, title: factor.title, comparable: factor.comparable, ...(factor.note ? { note: factor.note } : {}), variants };
    return { ...base, verdict: factorVerdict(base) };
  });
  const finished = plan.cells.map((c) => results.get(c.key)).filter((r): r is CellResult => r !== undefined);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const own = finished.map((r) => r.trainSeconds - (r.timing.pretrain?.seconds ?? 0) + r.evalSeconds);
  const pretrains = new Map(finished.filter((r) => r.timing.pretrain).map((r) => [r.pretrainKey, r.timing.pretrain!.seconds]));
  return {
    format: REPORT_FORMAT,
    preset: plan.preset,
    seeds: plan.seeds,
    families: [...meta.families],
    cellsDone: finished.length,
    cellsTotal: plan.cells.length,
    secondsPerCell: mean(own),
    pretrainSeconds: mean([...pretrains.values()]),
    generatedAt: meta.generatedAt ?? new Date().toISOString(),
    command: meta.command,
    commit: meta.commit,
    machine: meta.machine,
    factors,
    summary: summarizeVerdicts(factors),
    ...pairedSection(buildStudyReport(plan, results, meta)),
  };
}

const pairedSection = (s: StudyReport) => ({ evalQuestions: s.evalQuestions, comparisons: s.comparisons, prior: s.prior, scopes: s.scopes, paired: s.factors });

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csv = (rows: unknown[][]): string => `${rows.map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
const round = (x: number | undefined, d = 4) => (x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

/** One row per factor × variant × scope (overall, then each family). */
export function reportCsv(report: AblationReport): string {
  const rows: unknown[][] = [
    ["factor", "variant", "label", "scope", "seeds", "accuracy_mean", "ci95_low", "ci95_high", "train_seconds_mean", "tokens_per_second_mean", "embed_batches_per_second_mean", "paper_variant", "paper_MMB", "paper_MM_Vet", "verdict"],
  ];
  for (const f of report.factors) {
    for (const v of f.variants) {
      for (const [scope, s] of [["overall", v.overall] as const, ...Object.entries(v.families)]) {
        rows.push([
          f.name, v.id, v.label, scope, s.n, round(s.mean), round(s.ci95?.[0]), round(s.ci95?.[1]),
          round(v.trainSeconds.mean, 1), round(v.tokensPerSecond.mean, 1), round(v.embedBatchesPerSecond.mean, 3),
          v.paper?.variant ?? null, v.paper?.scores.MMB ?? null, v.paper?.scores.MM_Vet ?? null, f.verdict.outcome,
        ]);
      }
    }
  }
  return csv(rows);
}

/** One row per finished cell. */
export function cellsCsv(plan: Plan, results: ReadonlyMap<string, CellResult>, families: readonly string[]): string {
  const rows: unknown[][] = [["cell", "seed", "labels", "accuracy", ...families, "train_seconds", "eval_seconds", "tokens_per_second", "pretrain_cached", "backend", "commit", "finished_at"]];
  for (const c of plan.cells) {
    const r = results.get(c.key);
    if (!r) continue;
    rows.push([
      c.id, c.seed, c.labels.map((l) => `${l.factor}=${l.variant}`).join(" "), round(r.test.overall.accuracy),
      ...families.map((f) => round(r.test.families[f]?.accuracy)), round(r.trainSeconds, 1), round(r.evalSeconds, 1), round(r.tokensPerSecond, 1),
      r.pretrainCached, r.machine.backend, r.commit, r.finishedAt,
    ]);
  }
  return csv(rows);
}
