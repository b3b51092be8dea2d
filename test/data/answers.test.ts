/**
 * Answers recomputed from the image spec and the question text alone, by small solvers
 * written independently of the generators (they parse the question; they never see the
 * template's internals or the rationale).
 */
import { describe, expect, it } from "vitest";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import type { BarChartImage, DigitsImage, LineChartImage, SceneImage, TableImage } from "../../src/lib/data/image-spec.ts";
import type { Sample } from "../../src/lib/data/sample.ts";

const COLOURS = ["red", "blue", "green", "yellow", "orange", "purple"];
const SHAPES = ["circle", "square", "triangle"];
/** Words of `list` in the order the question mentions them ("squares" counts as "square"). */
const mentions = (q: string, list: readonly string[]) =>
  (q.toLowerCase().match(/[a-z]+/g) ?? []).map((w) => w.replace(/s$/, "")).filter((w) => list.includes(w));
const nums = (q: string) => (q.match(/\d+/g) ?? []).map(Number);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function mathVision(s: Sample): string {
  const img = s.image as DigitsImage;
  const d = img.digits.map((x) => x.label);
  const desc = [...d].sort((a, b) => b - a);
  const q = s.question;
  const op = { plus: (a: number, b: number) => a + b, minus: (a: number, b: number) => a - b, times: (a: number, b: number) => a * b };
  const expr = img.operator ? op[img.operator](d[0]!, d[1]!) : NaN;
  const table: Record<string, () => number> = {
    "two-largest-sum": () => desc[0]! + desc[1]!,
    "max-minus-min": () => desc[0]! - desc[desc.length - 1]!,
    "count-greater": () => d.filter((x) => x > nums(q)[0]!).length,
    "outer-minus-middle": () => d[0]! + d[2]! - d[1]!,
    "diagonal-sum": () => d[0]! + d[3]!,
    "row-difference": () => d[0]! + d[1]! - d[2]! - d[3]!,
    "column-max-sum": () => Math.max(d[0]!, d[2]!) + Math.max(d[1]!, d[3]!),
    evaluate: () => expr,
    "evaluate-then-add": () => expr + nums(q)[0]!,
    "read-digit": () => d[["first", "second", "third"].findIndex((w) => q.includes(w))]!,
  };
  return String(table[s.template]!());
}

function chart(s: Sample): string {
  const q = s.question;
  if (s.image!.kind === "bar-chart") {
    const bars = (s.image as BarChartImage).bars;
    const v = (c: string) => bars.find((b) => b.colour === c)!.value;
    const vals = bars.map((b) => b.value);
    const [hi, lo] = [Math.max(...vals), Math.min(...vals)];
    const c = mentions(q, COLOURS)[0]!;
    if (s.template === "bar-minus-min") return String(v(c) - lo);
    if (s.template === "max-plus-min") return String(hi + lo);
    if (s.template === "count-taller") return String(vals.filter((x) => x > v(c)).length);
    if (s.template === "second-tallest") return [...bars].sort((a, b) => b.value - a.value)[1]!.colour;
    if (s.template === "read-bar") return String(v(c));
  }
  if (s.image!.kind === "line-chart") {
    const vs = (s.image as LineChartImage).values;
    if (s.template === "line-rise") return String(Math.max(...vs) - vs[0]!);
    if (s.template === "line-peak") return String(vs.indexOf(Math.max(...vs)) + 1);
    if (s.template === "line-drops") return String(vs.filter((x, i) => i > 0 && x < vs[i - 1]!).length);
  }
  if (s.image!.kind === "table") {
    const rows = (s.image as TableImage).rows;
    if (s.template === "table-row-total") return String(sum(rows.find((r) => r.colour === mentions(q, COLOURS)[0])!.values));
    if (s.template === "table-largest-row") return [...rows].sort((a, b) => sum(b.values) - sum(a.values))[0]!.colour;
    if (s.template === "table-column-diff") return String(sum(rows.map((r) => r.values[0])) - sum(rows.map((r) => r.values[1])));
  }
  throw new Error(`no solver for ${s.template} on ${s.image!.kind}`);
}

function scene(s: Sample): string {
  const objs = (s.image as SceneImage).objects;
  const q = s.question;
  const cs = mentions(q, COLOURS);
  const ss = mentions(q, SHAPES);
  const sizes = mentions(q, ["small", "large"]);
  const find = (pred: (o: (typeof objs)[number]) => boolean) => {
    const hits = objs.filter(pred);
    expect(hits, `${s.id}: the question must name exactly one shape`).toHaveLength(1);
    return hits[0]!;
  };
  switch (s.template) {
    case "count-left-of": {
      const ref = find((o) => o.colour === cs[1] && o.shape === ss[0]);
      return String(objs.filter((o) => o.colour === cs[0] && o.col < ref.col).length);
    }
    case "count-above": {
      const ref = find((o) => o.colour === cs[0] && o.shape === ss[0]);
      return String(objs.filter((o) => o.row < ref.row).length);
    }
    case "same-colour-as": {
      const ref = find((o) => o.size === sizes[0] && o.shape === ss[0]);
      return String(objs.filter((o) => o !== ref && o.colour === ref.colour).length);
    }
    case "more-than":
      return objs.filter((o) => o.colour === cs[0]).length > objs.filter((o) => o.shape === ss[0]).length ? "yes" : "no";
    case "rightmost-colour":
      return find((o) => o.col === Math.max(...objs.map((p) => p.col))).colour;
    case "leftmost-shape": {
      const mine = objs.filter((o) => o.colour === cs[0]);
      return find((o) => o.colour === cs[0] && o.col === Math.min(...mine.map((p) => p.col))).shape;
    }
    case "neither-count":
      return String(objs.filter((o) => o.colour !== cs[0] && o.shape !== ss[0]).length);
    case "count-colour":
      return String(objs.filter((o) => o.colour === cs[0]).length);
  }
  throw new Error(`no solver for ${s.template}`);
}

function mathText(s: Sample): string {
  const q = s.question;
  const n = nums(q);
  switch (s.template) {
    case "groups-minus":
      return String(n[0]! * n[1]! - n[2]!);
    case "change": {
      const [price, count, paid] = q.startsWith("A ") ? n : [n[2]!, n[1]!, n[0]!];
      return String(paid! - price! * count!);
    }
    case "arrive-leave":
      return String(n[0]! - n[1]! + n[2]!);
    case "age":
      return String(sum(n)); // younger's age + difference + years ahead, in either wording
    case "pages":
      return String(n[0]! * n[1]! + n[2]!);
    case "share":
      return String((n[0]! + n[1]!) / n[2]!);
    case "together": {
      const [first, more] = /who has/.test(q) ? [n[1]!, n[0]!] : [n[0]!, n[1]!];
      return String(first + first + more);
    }
  }
  throw new Error(`no solver for ${s.template}`);
}

const SOLVERS = { "math-vision": mathVision, chart, scene, "math-text": mathText } as const;

describe("answers agree with independent solvers", () => {
  const ds = [
    ...generateDataset({ n: 2000, seed: 21 }),
    ...generateDataset({ n: 400, seed: 22, split: "validation" }),
    ...generateDataset({ n: 400, seed: 23, split: "test" }),
    ...generateDataset({ n: 800, seed: 24, tiers: ["perception"] }),
  ];
  it.each(Object.keys(SOLVERS) as (keyof typeof SOLVERS)[])("%s", (family) => {
    const mine = ds.filter((s) => s.family === family);
    expect(mine.length).toBeGreaterThan(500);
    for (const s of mine) expect(SOLVERS[family](s), `${s.id}: ${s.question}`).toBe(s.answer);
  });

  it("the perception tier asks only its own templates, tagged as such; the default draws only reasoning", () => {
    const perception = ds.filter((s) => s.tier === "perception");
    expect(new Set(perception.map((s) => s.template))).toEqual(new Set(["read-digit", "read-bar", "count-colour"]));
    // math-text has no perception tier: asked for one, it draws its reasoning templates, tagged so
    expect(ds.filter((s) => s.family === "math-text").every((s) => s.tier === "reasoning")).toBe(true);
    expect(ds.slice(0, 2800).every((s) => s.tier === "reasoning")).toBe(true);
    const both = generateDataset({ n: 1200, seed: 25, tiers: ["reasoning", "perception"] });
    const share = both.filter((s) => s.tier === "perception" && s.family === "chart").length / both.filter((s) => s.family === "chart").length;
    expect(share).toBeGreaterThan(0.03); // one perception template among eleven chart templates: 1/11
    expect(share).toBeLessThan(0.16);
  });

  it("a wrong spec gives a wrong answer (the solvers read the spec)", () => {
    const s = ds.find((x) => x.template === "two-largest-sum")!;
    const img = s.image as DigitsImage;
    const bumped = { ...s, image: { ...img, digits: img.digits.map((d) => ({ ...d, label: d.label === 9 ? 0 : 9 })) } };
    expect(mathVision(bumped)).not.toBe(s.answer);
  });

  it("the rationale states the facts read from the image (math-vision digits, bar values, line values)", () => {
    for (const s of ds.slice(0, 400)) {
      if (s.image?.kind === "digits" && s.image.layout === "row") expect(s.rationale, s.id).toContain(s.image.digits.map((d) => d.label).join(", ").replace(/, (\d+)$/, " and $1"));
      if (s.image?.kind === "line-chart") expect(s.rationale, s.id).toContain(s.image.values.join(", ").replace(/, (\d+)$/, " and $1"));
      if (s.image?.kind === "bar-chart") for (const b of s.image.bars) expect(s.rationale, s.id).toMatch(new RegExp(`${b.colour} (is|bar reaches) ${b.value}\\b`));
    }
  });
});
