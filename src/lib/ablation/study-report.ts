/**
 * The study's report (`data/ablations/study.json`): paired comparisons with the power to
 * decide. Cells of the same seed share their data seed and initialisation seed, so each
 * seed is a pair and differences are taken within it (`paired.ts`). Three headline
 * comparisons —
 *
 *   meteor-vs-mlm          Meteor against the same MLM trained without `<tor>` features
 *   meteor-vs-oracle       Meteor against the MLM given the true rationale in its prompt
 *   real-vs-blank-images   the Meteor checkpoints scored with their images and with blank ones
 *
 * — and, for each Table 3 factor the paper ranks, the paper's best variant against each of
 * the others, with a verdict per factor:
 *
 *   agree      some comparison resolves (95% interval excludes 0) in the paper's direction, none against it;
 *   disagree   some comparison resolves against the paper's direction;
 *   no effect  none resolves: no difference larger than the factor's mde80 at 80% power.
 *
 * Given the test questions' families and tiers (the same questions for every cell of a
 * preset), the three headline comparisons are also broken down per family and per tier,
 * from each cell's per-question scores, beside the template prior on the same questions.
 *
 * Pure: the caller reads the cache, generates the questions and writes the file.
 */
import type { Plan } from "./plan.ts";
import { pairedComparison, pairedWinner, type PairedComparison } from "./paired.ts";
import { paperMean, type PaperRow } from "./paper-table.ts";
import type { CellResult, MachineInfo } from "./result.ts";

export const STUDY_REPORT_FORMAT = 1;

export type StudyVerdict = "agree" | "disagree" | "no effect" | "no results" | "not comparable";

export interface StudyFactor {
  name: string;
  title: string;
  /** The paper's best variant (highest mean of MMB and MM-Vet), or null. */
  paperBest: string | null;
  verdict: StudyVerdict;
  /** The largest mde80 of the factor's comparisons: smaller differences could go unseen. */
  mde80: number | null;
  comparisons: PairedComparison[];
  sentence: string;
}

/** A test question's family and tier, in test order. */
export interface QuestionScope {
  family: string;
  tier: string;
}

/** The headline comparisons on one family's or one tier's questions. */
export interface ScopeBreakdown {
  /** "family" or "tier", and its name. */
  kind: "family" | "tier";
  name: string;
  questions: number;
  /** Accuracy of the template prior (`template-prior.ts`) on these questions, or null. */
  prior: number | null;
  comparisons: PairedComparison[];
}

export interface StudyReport {
  format: typeof STUDY_REPORT_FORMAT;
  preset: string;
  /** Test questions per cell. */
  evalQuestions: number;
  /** Seeds (pairs) planned, and finished for the headline comparisons. */
  seeds: number;
  seedsDone: number;
  comparisons: PairedComparison[];
  /** Template-prior accuracy over all test questions, or null (no questions given). */
  prior: number | null;
  /** The headline comparisons per family and per tier (empty without questions). */
  scopes: ScopeBreakdown[];
  factors: StudyFactor[];
  generatedAt: string;
  command: string;
  commit: string;
  machine: MachineInfo | null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`;

/** Per seed, the accuracy of the cell labelled (factor, variant), via `pick`; seeds without it are absent. */
function bySeed(plan: Plan, results: ReadonlyMap<string, CellResult>, factor: string, variant: string, pick: (r: CellResult) => number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of plan.cells) {
    if (!c.labels.some((l) => l.factor === factor && l.variant === variant)) continue;
    const r = results.get(c.key);
    const v = r ? pick(r) : undefined;
    if (v !== undefined) out.set(c.seed, v);
  }
  return out;
}

/** The comparison of a and b over the seeds both have. */
function paired(name: string, a: string, b: string, va: Map<number, number>, vb: Map<number, number>): PairedComparison {
  const seeds = [...va.keys()].filter((s) => vb.has(s)).sort((x, y) => x - y);
  return pairedComparison(name, a, b, seeds.map((s) => va.get(s)!), seeds.map((s) => vb.get(s)!));
}

const overall = (r: CellResult) => r.test.overall.accuracy;

/** Mean of per-question scores over `idx`; undefined without scores of the right length. */
function scopeAccuracy(correct: readonly number[] | undefined, idx: readonly number[], total: number): number | undefined {
  if (!correct || correct.length !== total || idx.length === 0) return undefined;
  return idx.reduce((s, i) => s + correct[i]!, 0) / idx.length;
}

/** Which of a cell's scores: its test set with real images, or again with blank ones. */
type Scored = "real" | "blank";

/** The three headline comparisons, each cell scored by `score`: overall, or on one scope. */
function headline(plan: Plan, results: ReadonlyMap<string, CellResult>, score: (r: CellResult, images: Scored) => number | undefined): PairedComparison[] {
  const full = bySeed(plan, results, "baselines", "meteor", (r) => score(r, "real"));
  return [
    paired("meteor-vs-mlm", "meteor", "mlm", full, bySeed(plan, results, "baselines", "mlm", (r) => score(r, "real"))),
    paired("meteor-vs-oracle", "meteor", "oracle", full, bySeed(plan, results, "baselines", "oracle", (r) => score(r, "real"))),
    paired("real-vs-blank-images", "real images", "blank images", full, bySeed(plan, results, "baselines", "meteor", (r) => score(r, "blank"))),
  ];
}

/** Per family, then per tier: the headline comparisons on that scope's questions. */
function scopeBreakdowns(plan: Plan, results: ReadonlyMap<string, CellResult>, questions: readonly QuestionScope[], priorCorrect: readonly boolean[] | null): ScopeBreakdown[] {
  const out: ScopeBreakdown[] = [];
  for (const kind of ["family", "tier"] as const) {
    for (const name of [...new Set(questions.map((q) => q[kind]))]) {
      const idx = questions.flatMap((q, i) => (q[kind] === name ? [i] : []));
      const prior = priorCorrect ? idx.filter((i) => priorCorrect[i]).length / idx.length : null;
      const comparisons = headline(plan, results, (r, images) => scopeAccuracy(images === "real" ? r.test.correct : r.blankImages?.correct, idx, questions.length));
      out.push({ kind, name, questions: idx.length, prior, comparisons });
    }
  }
  return out;
}

export function buildStudyReport(
  plan: Plan,
  results: ReadonlyMap<string, CellResult>,
  meta: {
    command: string;
    commit: string;
    paper: readonly PaperRow[];
    generatedAt?: string;
    /** The test questions' families and tiers, in test order, and whether the template prior answers each. */
    questions?: readonly QuestionScope[];
    priorCorrect?: readonly boolean[];
  },
): StudyReport {
  const full = bySeed(plan, results, "baselines", "meteor", overall);
  const comparisons = headline(plan, results, (r, images) => (images === "real" ? overall(r) : r.blankImages?.overall.accuracy));
  const questions = meta.questions ?? [];
  const priorCorrect = meta.priorCorrect && meta.priorCorrect.length === questions.length ? meta.priorCorrect : null;
  const factors: StudyFactor[] = plan.factors
    .filter((f) => f.name !== "baselines")
    .map((factor) => {
      const scored = factor.variants.map((v) => ({ v, paper: v.paper === null ? null : paperMean(meta.paper.find((p) => p.factor === factor.name && p.variant === v.paper)) }));
      const ranked = scored.filter((x) => x.paper !== null).sort((a, b) => b.paper! - a.paper!);
      const best = factor.comparable && ranked.length > 1 ? ranked[0]!.v : null;
      const ref = best ?? factor.variants.find((v) => Object.keys(v.overrides).length === 0)!;
      const comps = factor.variants
        .filter((v) => v !== ref)
        .map((v) => paired(`${factor.name}:${ref.id}-vs-${v.id}`, ref.id, v.id, bySeed(plan, results, factor.name, ref.id, overall), bySeed(plan, results, factor.name, v.id, overall)))
        .filter((c) => c.n > 0);
      const mdes = comps.flatMap((c) => (c.mde80 === null ? [] : [c.mde80]));
      const mde80 = mdes.length ? Math.max(...mdes) : null;
      let verdict: StudyVerdict;
      if (!factor.comparable || !best) verdict = "not comparable";
      else if (comps.length === 0) verdict = "no results";
      else if (comps.some((c) => pairedWinner(c) === "b")) verdict = "disagree";
      else if (comps.some((c) => pairedWinner(c) === "a")) verdict = "agree";
      else verdict = "no effect";
      // a − b with its interval, signed alike: "neither +0.3 pts [−3.5, +4.1]" = the reference 0.3 above neither
      const signed = (x: number) => `${x >= 0 ? "+" : "−"}${pct(Math.abs(x))}`;
      const show = (c: PairedComparison) => `${c.b} ${signed(c.diff)} pts${c.ci95 ? ` [${signed(c.ci95[0])}, ${signed(c.ci95[1])}]` : ""}`;
      const sentence =
        verdict === "no results"
          ? "No finished pairs yet."
          : `${verdict === "not comparable" ? `Against ${ref.id} (not ranked by the paper: ${factor.note ?? "no paper scores"})` : `The paper's best, ${ref.id}, minus each other variant`}: ${comps.map(show).join("; ")}` +
            `${mde80 !== null ? `; differences below ${pct(mde80)} pts could go undetected (mde80, ${comps[0]!.n} seeds)` : ""}.`;
      return { name: factor.name, title: factor.title, paperBest: best?.id ?? null, verdict, mde80, comparisons: comps, sentence };
    });
  const firstDone = plan.cells.map((c) => results.get(c.key)).find((r): r is CellResult => r !== undefined);
  return {
    format: STUDY_REPORT_FORMAT,
    preset: plan.preset,
    evalQuestions: firstDone ? firstDone.test.overall.n : 0,
    seeds: plan.seeds,
    seedsDone: full.size,
    comparisons,
    prior: priorCorrect && priorCorrect.length > 0 ? priorCorrect.filter(Boolean).length / priorCorrect.length : null,
    scopes: questions.length > 0 ? scopeBreakdowns(plan, results, questions, priorCorrect) : [],
    factors,
    generatedAt: meta.generatedAt ?? new Date().toISOString(),
    command: meta.command,
    commit: meta.commit,
    machine: firstDone?.machine ?? null,
  };
}
