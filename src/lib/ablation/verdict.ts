/**
 * Whether our small-scale result for a factor orders its variants as the paper's Table 3
 * does, stated from the data. The paper's score of a variant is the mean of its MMB and
 * MM-Vet; ours is overall test accuracy, mean over seeds with a 95% interval. Outcomes:
 *
 *   agrees        — the paper's best variant has our highest mean, and its interval is
 *                   clear of every other variant's;
 *   disagrees     — another variant's interval lies wholly above the paper's best's;
 *   inconclusive  — anything else: intervals overlap, or fewer than two seeds;
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
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const showStat = (v: VerdictInput) => `${v.label} ${pct(v.ours.mean)}${v.ours.ci95 ? ` [${pct(v.ours.ci95[0])}, ${pct(v.ours.ci95[1])}]` : ""}`;

export function verdictOf(variants: readonly VerdictInput[], opts: { comparable: boolean; note?: string }): Verdict {
  const done = variants.filter((v) => v.ours.n > 0);
  const pairs = { agree: 0, disagree: 0, overlap: 0 };
  if (done.length === 0) return { outcome: "no-results", sentence: "No results yet for this factor.", pairs };
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
  if (!paperBest) return { outcome: "inconclusive", sentence: `The paper has no scores for these variants. ${order}`, pairs };
  if (paperBest.ours.n === 0) return { outcome: "inconclusive", sentence: `The paper's best, ${paperBest.label}, has no result yet. ${order}`, pairs };
  if (minSeeds < 2) {
    return { outcome: "inconclusive", sentence: `Not enough seeds yet (${minSeeds}) for intervals; the paper's best is ${paperBest.label}. ${order}`, pairs };
  }
  const others = done.filter((v) => v !== paperBest);
  const beaten = others.filter((v) => clearlyAbove(v.ours, paperBest.ours));
  if (beaten.length > 0) {
    return {
      outcome: "disagrees",
      sentence: `Disagrees with the paper: ${beaten.map((v) => v.label).join(", ")} beat${beaten.length === 1 ? "s" : ""} the paper's best, ${paperBest.label}, with intervals apart. ${order}${pairText}`,
      pairs,
    };
  }
  if (ourBest === paperBest && others.every((v) => clearlyAbove(paperBest.ours, v.ours))) {
    return { outcome: "agrees", sentence: `Agrees with the paper: ${paperBest.label} is best here too, its interval clear of every other variant's. ${order}${pairText}`, pairs };
  }
  const lead = ourBest === paperBest ? `${paperBest.label} has the highest mean, as in the paper, but` : `the paper's best, ${paperBest.label}, is not our highest mean (${ourBest.label} is), but`;
  return { outcome: "inconclusive", sentence: `Inconclusive: ${lead} the intervals overlap. ${order}${pairText}`, pairs };
}
