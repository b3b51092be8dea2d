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
});
