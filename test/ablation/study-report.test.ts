import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planCells } from "../../src/lib/ablation/plan.ts";
import { parsePaperTable3 } from "../../src/lib/ablation/paper-table.ts";
import { buildStudyReport } from "../../src/lib/ablation/study-report.ts";
import type { CellResult } from "../../src/lib/ablation/result.ts";

const paper = parsePaperTable3(readFileSync(join(import.meta.dirname, "../../data/paper/ablations-table3.csv"), "utf8"));

/** A finished cell with the given overall and blank-image accuracies (n = 1000). */
const result = (key: string, acc: number, blank = acc): CellResult =>
  ({
    key,
    test: { loss: 1, overall: { accuracy: acc, correct: Math.round(acc * 1000), n: 1000 }, families: {} },
    blankImages: { overall: { accuracy: blank, correct: Math.round(blank * 1000), n: 1000 }, correct: [] },
    machine: { cpus: 2, cpuModel: "x", memoryGiB: 1, platform: "linux", node: "20", backend: "wasm" },
  }) as unknown as CellResult;

describe("study report", () => {
  const plan = planCells({ preset: "tiny", seeds: 5, factors: ["tor_position", "baselines"], base: { trainSize: 8 } });
  const cellOf = (seed: number, factor: string, variant: string) => plan.cells.find((c) => c.seed === seed && c.labels.some((l) => l.factor === factor && l.variant === variant))!;

  it("pairs seeds: meteor vs mlm, vs oracle, real vs blank images, and factor verdicts (hand-computed)", () => {
    const results = new Map<string, CellResult>();
    const noise = [0.01, -0.02, 0.0, 0.015, -0.005];
    for (let s = 0; s < 5; s++) {
      const add = (f: string, v: string, acc: number, blank?: number) => results.set(cellOf(s, f, v).key, result(cellOf(s, f, v).key, acc, blank));
      add("baselines", "meteor", 0.5 + noise[s]!, 0.3 + noise[s]!); // full model = tor_position "even"
      add("baselines", "mlm", 0.45 + noise[s]! + (s % 2 ? 0.01 : -0.01));
      add("baselines", "oracle", 0.9);
      add("tor_position", "start", 0.5 + noise[s]!); // exactly the full model's: no effect
      add("tor_position", "end", 0.4 + noise[s]!); // 0.1 below: the paper's best (even) wins
      add("tor_position", "random", 0.5 + noise[s]! + (s % 2 ? 0.002 : -0.002));
    }
    const r = buildStudyReport(plan, results, { command: "c", commit: "x", paper });
    expect(r.evalQuestions).toBe(1000);
    expect(r.seedsDone).toBe(5);
    const byName = Object.fromEntries(r.comparisons.map((c) => [c.name, c]));
    expect(byName["meteor-vs-mlm"]!.diff).toBeCloseTo(0.05 + 0.002, 10); // +0.01, −0.01 alternate: mean −0.002 → 0.05 + 0.002
    expect(byName["meteor-vs-mlm"]!.ci95![0]).toBeGreaterThan(0);
    expect(byName["meteor-vs-oracle"]!.diff).toBeCloseTo(-0.4 + 0.0, 1);
    expect(byName["real-vs-blank-images"]!.diff).toBeCloseTo(0.2, 10);
    expect(byName["real-vs-blank-images"]!.mde80).toBeCloseTo(0, 10); // constant difference
    const pos = r.factors.find((f) => f.name === "tor_position")!;
    expect(pos.paperBest).toBe("even");
    expect(pos.verdict).toBe("agree");
    expect(pos.comparisons.map((c) => c.b).sort()).toEqual(["end", "random", "start"]);
    expect(pos.mde80).toBeGreaterThan(0);
    // the sentence gives even − end = +10.0 points, its interval signed alike (the same values every seed: [+10.0, +10.0])
    expect(pos.sentence).toContain("end +10.0 pts [+10.0, +10.0]");
  });

  it("says disagree when a variant beats the paper's best, no effect when nothing resolves, no results when empty", () => {
    const results = new Map<string, CellResult>();
    for (let s = 0; s < 5; s++) {
      const add = (f: string, v: string, acc: number) => results.set(cellOf(s, f, v).key, result(cellOf(s, f, v).key, acc));
      add("baselines", "meteor", 0.5);
      add("tor_position", "start", 0.6 + 0.01 * s);
    }
    expect(buildStudyReport(plan, results, { command: "c", commit: "x", paper }).factors[0]!.verdict).toBe("disagree");
    const tie = new Map<string, CellResult>();
    for (let s = 0; s < 5; s++) {
      const add = (f: string, v: string, acc: number) => tie.set(cellOf(s, f, v).key, result(cellOf(s, f, v).key, acc));
      add("baselines", "meteor", 0.5 + (s % 2 ? 0.02 : -0.02));
      add("tor_position", "start", 0.5 + (s % 2 ? -0.02 : 0.02));
    }
    expect(buildStudyReport(plan, tie, { command: "c", commit: "x", paper }).factors[0]!.verdict).toBe("no effect");
    expect(buildStudyReport(plan, new Map(), { command: "c", commit: "x", paper }).factors[0]!.verdict).toBe("no results");
  });

  it("breaks the headline comparisons down per family and per tier from per-question scores, beside the template prior (hand-computed)", () => {
    // four questions: chart/reasoning, chart/perception, math-text/reasoning, math-text/reasoning
    const questions = [
      { family: "chart", tier: "reasoning" },
      { family: "chart", tier: "perception" },
      { family: "math-text", tier: "reasoning" },
      { family: "math-text", tier: "reasoning" },
    ];
    const priorCorrect = [false, true, true, false];
    const cell = (key: string, correct: number[], blank: number[] = correct): CellResult => {
      const acc = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        key,
        test: { loss: 1, overall: { accuracy: acc(correct), correct: 0, n: 4 }, families: {}, correct },
        blankImages: { overall: { accuracy: acc(blank), correct: 0, n: 4 }, correct: blank },
        machine: { cpus: 2, cpuModel: "x", memoryGiB: 1, platform: "linux", node: "20", backend: "wasm" },
      } as unknown as CellResult;
    };
    const results = new Map<string, CellResult>();
    for (let s = 0; s < 2; s++) {
      const add = (v: string, correct: number[], blank?: number[]) => results.set(cellOf(s, "baselines", v).key, cell(cellOf(s, "baselines", v).key, correct, blank));
      // Meteor: both chart questions right with real images, wrong with blank ones; math-text 1 of 2 (seed 0) or 2 of 2 (seed 1), with or without images
      add("meteor", [1, 1, 1, s], [0, 0, 1, s]);
      add("mlm", [0, 1, 0, 0]);
      add("oracle", [1, 1, 1, 1]);
    }
    const r = buildStudyReport(plan, results, { command: "c", commit: "x", paper, questions, priorCorrect });
    expect(r.prior).toBe(0.5);
    expect(r.scopes.map((x) => `${x.kind}:${x.name}:${x.questions}:${x.prior}`)).toEqual([
      "family:chart:2:0.5",
      "family:math-text:2:0.5",
      "tier:reasoning:3:" + 1 / 3,
      "tier:perception:1:1",
    ]);
    const get = (scope: string, name: string) => r.scopes.find((x) => x.name === scope)!.comparisons.find((c) => c.name === name)!;
    expect(get("chart", "real-vs-blank-images").valuesA).toEqual([1, 1]);
    expect(get("chart", "real-vs-blank-images").valuesB).toEqual([0, 0]);
    expect(get("chart", "meteor-vs-mlm").diff).toBe(0.5); // 1 vs 0.5 in both seeds
    expect(get("math-text", "real-vs-blank-images").diff).toBe(0); // no image to blank
    expect(get("math-text", "meteor-vs-mlm").valuesA).toEqual([0.5, 1]);
    expect(get("math-text", "meteor-vs-oracle").valuesB).toEqual([1, 1]);
    expect(get("reasoning", "meteor-vs-mlm").valuesA).toEqual([2 / 3, 1]);
    expect(get("perception", "meteor-vs-mlm").valuesB).toEqual([1, 1]);
    // without the questions there is no breakdown; scores of the wrong length are left out, not misread
    expect(buildStudyReport(plan, results, { command: "c", commit: "x", paper }).scopes).toEqual([]);
    const short = buildStudyReport(plan, results, { command: "c", commit: "x", paper, questions: questions.slice(0, 3), priorCorrect: priorCorrect.slice(0, 3) });
    expect(short.scopes.every((x) => x.comparisons.every((c) => c.n === 0))).toBe(true);
  });
});
