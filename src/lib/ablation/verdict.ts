/**
 * Whether our small-scale result for a factor orders its variants as the paper's Table 3
 * does, stated from the data. The paper's score of a variant is the mean of its MMB and
 * MM-Vet; ours is overall test accuracy, mean over seeds with a 95% interval. Outcomes:
 *
 *   agrees        — the paper's best variant has our highest mean, and its interval is
 *                   clear of every other variant's;
 *   disagrees     — another variant's interval lies wholly above the paper's best's;
 *   inconclusive  — anything else: intervals overlap, fewer than two seeds, or fewer than two
 *                   variants with results (nothing to order yet);
 *   no-results    — no finished cell yet;
 *   not-comparable — the paper varies something else (backbone: model families, not sizes).
 *
 * Beside the headline, every pair the paper orders is counted as agreeing (our intervals
 * apart, same order), disagreeing (apart, opposite order) or overlapping.
 */
import { clearlyAbove, type SeedStat } from "./stats.ts";

export type VerdictOutcome = "agrees" | "disagrees" | "inconclusive" | "no-results" | "not-comparable";

export interface VerdictInput {
  id: string;
  label: string;
  /** Mean of the paper's scores for this variant, or null when the paper has no such row. */
  paperScore: number | null;
  ours: SeedStat;
}

export interface Verdict {
  outcome: VerdictOutcome;
  /** One plain sentence, numbers from the data. */
  sentence: string;
  pairs: { agree: number; disagree: number; overlap: number };
  /** Whether our highest mean is the paper's best variant; null when not comparable or not run. */
  sameBest: boolean | null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const showStat = (v: VerdictInput) => `${v.label} ${pct(v.ours.mean)}${v.ours.ci95 ? ` [${pct(v.ours.ci95[0])}, ${pct(v.ours.ci95[1])}]` : ""}`;

export function verdictOf(variants: readonly VerdictInput[], opts: { comparable: boolean; note?: string }): Verdict {
  const done = variants.filter((v) => v.ours.n > 0);
  const pairs = { agree: 0, disagree: 0, overlap: 0 };
  if (done.length === 0) return { outcome: "no-results", sentence: "No results yet for this factor.", pairs, sameBest: null };
  const ranked = [...done].sort((a, b) => b.ours.mean - a.ours.mean);
  const ourBest = ranked[0]!;
  const minSeeds = Math.min(...done.map((v) => v.ours.n));
  const missing = variants.length - done.length;
  const coverage = missing > 0 ? ` (${missing} of ${variants.length} variants not run yet)` : "";
  if (!opts.comparable) {
    return {
      outcome: "not-comparable",
      sentence: `Not comparable with the paper: ${opts.note ?? "it varies something else"}. Ours, best first: ${ranked.map(showStat).join(" > ")}${coverage}.`,
      pairs,
      sameBest: null,
    };
  }
  const scored = done.filter((v) => v.paperScore !== null);
  for (let i = 0; i < scored.length; i++) {
    for (let j = i + 1; j < scored.length; j++) {
      const [a, b] = scored[i]!.paperScore! >= scored[j]!.paperScore! ? [scored[i]!, scored[j]!] : [scored[j]!, scored[i]!];
      if (a.paperScore === b.paperScore) continue;
      if (clearlyAbove(a.ours, b.ours)) pairs.agree++;
      else if (clearlyAbove(b.ours, a.ours)) pairs.disagree++;
      else pairs.overlap++;
    }
  }
  const pairText = ` Of the ${pairs.agree + pairs.disagree + pairs.overlap} pairs the paper orders, ${pairs.agree} agree, ${pairs.disagree} disagree and ${pairs.overlap} overlap.`;
  const paperBest = variants.filter((v) => v.paperScore !== null).sort((a, b) => b.paperScore! - a.paperScore!)[0];
  const order = `Ours, best first: ${ranked.map(showStat).join(" > ")}${coverage}.`;
  if (!paperBest) return { outcome: "inconclusive", sentence: `The paper has no scores for these variants. ${order}`, pairs, sameBest: null };
  if (paperBest.ours.n === 0) return { outcome: "inconclusive", sentence: `The paper's best, ${paperBest.label}, has no result yet. ${order}`, pairs, sameBest: null };
  if (done.length < 2) {
    return { outcome: "inconclusive", sentence: `Only ${ourBest.label} has results yet: nothing to compare. ${order}`, pairs, sameBest: null };
  }
  const sameBest = ourBest === paperBest;
  if (minSeeds < 2) {
    return { outcome: "inconclusive", sentence: `Not enough seeds yet (${minSeeds}) for intervals; the paper's best is ${paperBest.label}. ${order}`, pairs, sameBest };
  }
  const others = done.filter((v) => v !== paperBest);
  const beaten = others.filter((v) => clearlyAbove(v.ours, paperBest.ours));
  if (beaten.length > 0) {
    return {
      outcome: "disagrees",
      sentence: `Disagrees with the paper: ${beaten.map((v) => v.label).join(", ")} beat${beaten.length === 1 ? "s" : ""} the paper's best, ${paperBest.label}, with intervals apart. ${order}${pairText}`,
      pairs,
      sameBest,
    };
  }
  if (ourBest === paperBest && others.every((v) => clearlyAbove(paperBest.ours, v.ours))) {
    return { outcome: "agrees", sentence: `Agrees with the paper: ${paperBest.label} is best here too, its interval clear of every other variant's. ${order}${pairText}`, pairs, sameBest };
  }
  const lead = ourBest === paperBest ? `${paperBest.label} has the highest mean, as in the paper, but` : `the paper's best, ${paperBest.label}, is not our highest mean (${ourBest.label} is), but`;
  return { outcome: "inconclusive", sentence: `Inconclusive: ${lead} the intervals overlap. ${order}${pairText}`, pairs, sameBest };
}

/** The whole sweep against the paper, summed over factors. */
export interface SweepSummary {
  /** Factors with results that can be compared with the paper. */
  comparable: number;
  /** Titles of the comparable factors whose highest mean is the paper's best, and of those where it is not. */
  sameBest: string[];
  otherBest: string[];
  /** Pairs the paper orders, over all factors: held with intervals apart, reversed with intervals apart, overlapping. */
  pairs: { agree: number; disagree: number; overlap: number };
  sentence: string;
}

export function summarizeVerdicts(factors: readonly { title: string; verdict: Verdict }[]): SweepSummary {
  const judged = factors.filter((f) => f.verdict.sameBest !== null);
  const sameBest = judged.filter((f) => f.verdict.sameBest).map((f) => f.title);
  const otherBest = judged.filter((f) => !f.verdict.sameBest).map((f) => f.title);
  const pairs = { agree: 0, disagree: 0, overlap: 0 };
  for (const f of factors) for (const k of ["agree", "disagree", "overlap"] as const) pairs[k] += f.verdict.pairs[k];
  if (judged.length === 0) return { comparable: 0, sameBest, otherBest, pairs, sentence: "No factor comparable with the paper has results yet." };
  const total = pairs.agree + pairs.disagree + pairs.overlap;
  const list = (xs: string[]) => (xs.length ? ` (${xs.join(", ")})` : "");
  const best = `In ${sameBest.length} of ${judged.length} factors comparable with the paper, our highest mean is the paper's best variant${list(sameBest)}${otherBest.length ? `; in ${otherBest.length} it is not${list(otherBest)}` : ""}.`;
  const held =
    total === 0
      ? ""
      : ` Of the ${total} orderings the paper's table implies, ${pairs.agree} hold with intervals apart, ${pairs.disagree} are reversed with intervals apart and ${pairs.overlap} overlap` +
        (pairs.agree + pairs.disagree === 0 ? ": at this scale and number of seeds, none of the paper's orderings is confirmed or refuted." : ".");
  return { comparable: judged.length, sameBest, otherBest, pairs, sentence: best + held };
}
