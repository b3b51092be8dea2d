import { describe, expect, it } from "vitest";
import { resolveDataConfig } from "../../src/lib/data/config.ts";
import { FAMILY_DEFINITIONS, familyInfo, generateDataset, generateSample } from "../../src/lib/data/dataset.ts";
import { insertTor } from "../../src/lib/data/insert-tor.ts";
import { wordCount } from "../../src/lib/data/phrasing.ts";
import { FAMILIES, SPLITS } from "../../src/lib/data/sample.ts";
import { ConfigError } from "../../src/lib/mamba/config.ts";

describe("data config", () => {
  it("fills defaults once, freezes, and leaves the input alone", () => {
    const input = { n: 5 };
    const cfg = resolveDataConfig(input);
    expect(cfg).toEqual({ families: [...FAMILIES], n: 5, seed: 0, split: "train", imageSize: 32, tiers: ["reasoning"] });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.families)).toBe(true);
    expect(input).toEqual({ n: 5 });
    expect(resolveDataConfig({ n: 1, families: ["chart"], imageSize: 64, split: "test", seed: 9 })).toEqual({ families: ["chart"], n: 1, seed: 9, split: "test", imageSize: 64, tiers: ["reasoning"] });
  });

  it("rejects bad fields with a message naming them", () => {
    expect(() => resolveDataConfig({ n: -1 })).toThrow(/config.n/);
    expect(() => resolveDataConfig({ n: 1, seed: 1.5 })).toThrow(/config.seed/);
    expect(() => resolveDataConfig({ n: 1, imageSize: 4 })).toThrow(/config.imageSize/);
    expect(() => resolveDataConfig({ n: 1, families: ["charts" as never] })).toThrow(/unknown family "charts"/);
    expect(() => resolveDataConfig({ n: 1, families: [] })).toThrow(/non-empty/);
    expect(() => resolveDataConfig({ n: 1, families: ["chart", "chart"] })).toThrow(/twice/);
    expect(() => resolveDataConfig({ n: 1, split: "dev" as never })).toThrow(/unknown split "dev"/);
    expect(() => resolveDataConfig({ n: 1, size: 32 } as never)).toThrow(ConfigError);
  });
});

describe("generateDataset", () => {
  const ds = generateDataset({ n: 2000, seed: 3 });

  it("is deterministic from the seed, and the seed matters", () => {
    expect(generateDataset({ n: 2000, seed: 3 })).toEqual(ds);
    const other = generateDataset({ n: 2000, seed: 4 });
    const same = ds.filter((s, i) => s.question === other[i]!.question && s.rationale === other[i]!.rationale).length;
    expect(same).toBeLessThan(100);
  });

  it("sample i depends only on (family, split, index, seed): prefixes agree, families cycle", () => {
    expect(generateDataset({ n: 40, seed: 3 })).toEqual(ds.slice(0, 40));
    expect(ds.slice(0, 8).map((s) => s.family)).toEqual([...FAMILIES, ...FAMILIES]);
    expect(generateSample("scene", "train", 5, 3)).toEqual(ds[5 * 4 + 2]);
    const charts = generateDataset({ n: 10, seed: 3, families: ["chart"] });
    expect(charts[2]).toEqual(ds[2 * 4 + 1]);
    expect(new Set(ds.map((s) => s.id)).size).toBe(ds.length);
  });

  it("every rationale has ≥ 42 words, so insertTor accepts it for 2, 5, 10 and 15 <tor>", () => {
    for (const s of ds) {
      expect(wordCount(s.rationale), s.id).toBeGreaterThanOrEqual(42);
      for (const count of [2, 5, 10, 15]) expect(insertTor(s.rationale, count), `${s.id} count ${count}`).not.toBeNull();
    }
  });

  it("answers are short and from the family's answer set; the rationale ends with the answer", () => {
    for (const s of ds) {
      expect(familyInfo(s.family).answers, s.id).toContain(s.answer);
      expect(s.answer).toMatch(/^[a-z0-9]+$/);
      expect(s.rationale.endsWith(` ${s.answer}.`), s.id).toBe(true);
    }
  });

  it("images exactly where the family has them", () => {
    for (const s of ds) expect(s.image === undefined, s.id).toBe(s.family === "math-text");
  });

  it("every template of every family appears in every split, and answers vary", () => {
    for (const split of SPLITS) {
      const d = generateDataset({ n: 1200, seed: 1, split });
      for (const f of FAMILIES) {
        const templates = new Set(d.filter((s) => s.family === f).map((s) => s.template));
        expect([...templates].sort(), `${f} ${split}`).toEqual(familyInfo(f).templates.slice().sort());
      }
    }
    for (const f of FAMILIES) {
      const answers = new Set(ds.filter((s) => s.family === f).map((s) => s.answer));
      expect(answers.size, f).toBeGreaterThanOrEqual(Math.min(12, FAMILY_DEFINITIONS[f].answers.length - 2));
    }
  });

  it("keeps the vocabulary modest (a few hundred distinct pieces)", () => {
    const pieces = new Set(ds.flatMap((s) => `${s.question} ${s.rationale} ${s.answer}`.toLowerCase().match(/[a-z]+|\d+|[^\s\w]/g)!));
    expect(pieces.size).toBeLessThan(450);
  });

  it("states chance levels: a uniform guess over each family's answers", () => {
    expect(familyInfo("math-vision").chance).toBeCloseTo(1 / 21);
    expect(familyInfo("math-text").chance).toBeCloseTo(1 / 21);
    expect(familyInfo("chart").chance).toBeCloseTo(1 / 26);
    expect(familyInfo("scene").chance).toBeCloseTo(1 / 17);
  });
});
