import { describe, expect, it } from "vitest";
import { FRACTION, NON_NEGATIVE, seedStat, tQuantile975 } from "../../src/lib/ablation/stats.ts";
import { summarizeVerdicts, verdictOf, type VerdictInput } from "../../src/lib/ablation/verdict.ts";
import { buildReport, parsePaperTable3, reportCsv } from "../../src/lib/ablation/report.ts";
import { planCells } from "../../src/lib/ablation/plan.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_MACHINE } from "./micro.ts";

const v = (id: string, paperScore: number | null, values: number[]): VerdictInput => ({ id, label: id, paperScore, ours: seedStat(values) });

describe("seed statistics", () => {
  it("mean ± t·s/√n, with no interval for one seed", () => {
    const s = seedStat([0.2, 0.3, 0.4]);
    expect(s.mean).toBeCloseTo(0.3, 12);
    expect(s.ci95![1] - s.mean).toBeCloseTo((tQuantile975(2) * 0.1) / Math.sqrt(3), 12);
    expect(tQuantile975(2)).toBe(4.303);
    expect(seedStat([0.5]).ci95).toBeNull();
    expect(seedStat([]).n).toBe(0);
  });

  it("cuts the interval to the quantity's range: accuracies in [0, 1], times ≥ 0", () => {
    // mean 490.57, s = 258.29: mean ± 4.303·s/√3 = [−151.1, 1132.2] s before the cut
    const t = seedStat([788.4, 328.0, 355.3], NON_NEGATIVE);
    expect(t.ci95![0]).toBe(0);
    expect(t.ci95![1]).toBeCloseTo(490.5667 + (4.303 * 258.2922) / Math.sqrt(3), 2);
    const a = seedStat([0.02, 0.0, 0.3], FRACTION);
    expect(a.ci95![0]).toBe(0);
    expect(seedStat([0.97, 1.0, 0.5], FRACTION).ci95![1]).toBe(1);
    expect(seedStat([788.4, 328.0, 355.3]).ci95![0]).toBeLessThan(0); // no range given: the plain interval
  });
});

describe("verdicts", () => {
  it("agree when the paper's best is ours too with its interval clear of the others", () => {
    const r = verdictOf([v("start", 79, [0.2, 0.21, 0.22]), v("even", 82, [0.4, 0.41, 0.42]), v("end", 74, [0.1, 0.11, 0.12])], { comparable: true });
    expect(r.outcome).toBe("agrees");
    expect(r.sentence).toMatch(/^Agrees with the paper: even is best here too/);
    expect(r.pairs).toEqual({ agree: 3, disagree: 0, overlap: 0 });
  });

  it("disagree when another variant is clearly above the paper's best", () => {
    const r = verdictOf([v("start", 79, [0.5, 0.51, 0.52]), v("even", 82, [0.2, 0.21, 0.22])], { comparable: true });
    expect(r.outcome).toBe("disagrees");
    expect(r.sentence).toContain("start beats the paper's best, even");
  });

  it("are inconclusive when intervals overlap or seeds are too few, and say so", () => {
    const overlap = verdictOf([v("a", 1, [0.2, 0.4, 0.3]), v("b", 2, [0.25, 0.35, 0.3])], { comparable: true });
    expect(overlap.outcome).toBe("inconclusive");
    expect(overlap.sentence).toMatch(/intervals overlap/);
    const one = verdictOf([v("a", 1, [0.2]), v("b", 2, [0.3])], { comparable: true });
    expect(one.sentence).toMatch(/^Not enough seeds yet \(1\)/);
  });

  it("are inconclusive, not agreeing, while only one variant has results (the shared full-model cell)", () => {
    const r = verdictOf([v("bert", 71, []), v("gpt", 62, []), v("mamba", 74, [0.33, 0.34, 0.35, 0.32, 0.36])], { comparable: true });
    expect(r.outcome).toBe("inconclusive");
    expect(r.sameBest).toBeNull();
    expect(r.sentence).toMatch(/^Only mamba has results yet: nothing to compare\. .*\(2 of 3 variants not run yet\)/);
    expect(summarizeVerdicts([{ title: "embedder", verdict: r }]).comparable).toBe(0);
  });

  it("report no results, and no comparison where the paper varies something else", () => {
    expect(verdictOf([v("a", 1, []), v("b", 2, [])], { comparable: true }).outcome).toBe("no-results");
    const nc = verdictOf([v("small", null, [0.1, 0.2]), v("large", null, [0.3, 0.4])], { comparable: false, note: "sizes, not families" });
    expect(nc.outcome).toBe("not-comparable");
    expect(nc.sentence).toMatch(/^Not comparable with the paper: sizes, not families\. Ours, best first: large/);
  });
});

describe("the report", () => {
  it("lists every factor and variant with the paper's row, and no results for an empty cache", () => {
    const paper = parsePaperTable3(readFileSync(join(import.meta.dirname, "../../data/paper/ablations-table3.csv"), "utf8"));
    const report = buildReport(planCells({ preset: "tiny" }), new Map(), { command: "x", commit: "y", machine: TEST_MACHINE, families: ["chart"], paper });
    expect(report.cellsTotal).toBe(54);
    expect(report.factors.map((f) => f.verdict.outcome)).toEqual(Array(7).fill("no-results"));
    const even = report.factors.find((f) => f.name === "tor_position")!.variants.find((x) => x.id === "even")!;
    expect(even.paper?.scores).toEqual({ MME: null, MMB: 82.9, MM_Vet: 57.3 });
    expect(even.paperScore).toBeCloseTo(70.1, 10);
    // every variant that names a paper row found it: all but XLNet's row are used
    const matched = report.factors.flatMap((f) => f.variants.filter((x) => x.paper !== null)).length;
    expect(matched).toBe(3 + 1 + 4 + 4 + 4 + 4);
    expect(reportCsv(report).split("\n")[1]).toMatch(/^embedder,bert,BERT-like \(bidirectional\),overall,0,,,,/);
  });
});

describe("verdicts while the sweep runs", () => {
  it("name the paper's best even before it has a result", () => {
    const r = verdictOf([v("bert", 67, [0.2]), v("gpt", 67.2, [0.21]), v("mamba", 70, [])], { comparable: true });
    expect(r.outcome).toBe("inconclusive");
    expect(r.sentence).toMatch(/^The paper's best, mamba, has no result yet\. Ours, best first: gpt 21\.0% > bert 20\.0% \(1 of 3 variants not run yet\)\./);
  });
});

describe("the sweep summary", () => {
  it("counts factors whose best is the paper's, sums the pairs, and says when nothing is settled", () => {
    const agrees = verdictOf([v("start", 79, [0.2, 0.21, 0.22]), v("even", 82, [0.4, 0.41, 0.42])], { comparable: true });
    const overlap = verdictOf([v("a", 1, [0.2, 0.41, 0.3]), v("b", 2, [0.25, 0.35, 0.3])], { comparable: true }); // paper's best b; ours a (0.303 > 0.300)
    const notComparable = verdictOf([v("small", null, [0.1, 0.2]), v("large", null, [0.3, 0.4])], { comparable: false });
    expect([agrees.sameBest, notComparable.sameBest]).toEqual([true, null]);
    const s = summarizeVerdicts([
      { title: "placement", verdict: agrees },
      { title: "count", verdict: overlap },
      { title: "backbone", verdict: notComparable },
    ]);
    expect(s.comparable).toBe(2);
    expect(s.sameBest).toEqual(["placement"]);
    expect(s.otherBest).toEqual(["count"]);
    expect(s.sentence).toMatch(/^In 1 of 2 factors comparable with the paper, our highest mean is the paper's best variant \(placement\); in 1 it is not \(count\)\./);
    expect(s.pairs).toEqual({ agree: 1, disagree: 0, overlap: 1 });
    expect(s.sentence).toContain("Of the 2 orderings the paper's table implies, 1 hold with intervals apart, 0 are reversed with intervals apart and 1 overlap.");
    const unsettled = summarizeVerdicts([{ title: "count", verdict: overlap }]);
    expect(unsettled.sentence).toMatch(/none of the paper's orderings is confirmed or refuted\.$/);
    expect(summarizeVerdicts([{ title: "backbone", verdict: notComparable }]).sentence).toBe("No factor comparable with the paper has results yet.");
  });
});
