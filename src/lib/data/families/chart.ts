/**
 * `chart`: bar charts, line charts and small tables (the paper's "documents, charts,
 * diagrams, signs and symbols", spec §6), drawn as SVG with no text — bars and table rows
 * are named by colour, numbers in tables are seven-segment glyphs — so they stay legible
 * at 32×32 and render the same everywhere. Answers: integers 0–20 or a colour word.
 */
import { imageKey, type BarChartImage, type Colour, type ImageSpec, type LineChartImage, type TableImage } from "../image-spec.ts";
import { capital, countWord, listing, ordinal, plural, sentences } from "../phrasing.ts";
import { pick, pickDistinct, randInt, range, type Rng } from "../random.ts";
import type { Draft } from "../sample.ts";
import { conclusion, drawUntil, type FamilyDefinition, type Template } from "./family.ts";

/** Colours used by charts (yellow is left to scenes: it is too faint on white as a thin line). */
export const CHART_COLOURS: readonly Colour[] = ["red", "blue", "green", "orange", "purple"];

function draft(rng: Rng, template: string, question: string, steps: readonly string[], answer: string | number, img: ImageSpec): Draft {
  const a = String(answer);
  return { template, question, rationale: sentences(...steps, conclusion(rng, a)), answer: a, image: img, key: imageKey(img) };
}

// ── bar charts: 3–5 bars, distinct colours, distinct values 1–9 ─────────────────────────
type Bar = BarChartImage["bars"][number];

function barChart(rng: Rng): BarChartImage {
  const n = randInt(rng, 3, 5);
  const colours = pickDistinct(rng, CHART_COLOURS, n);
  const values = pickDistinct(rng, range(1, 9), n);
  return { kind: "bar-chart", bars: colours.map((colour, i) => ({ colour, value: values[i]! })) };
}

const barIntro = (rng: Rng, n: number) => pick(rng, [`The bar chart has ${countWord(n)} bars.`, `The chart shows ${countWord(n)} coloured bars.`]);
const barRead = (rng: Rng, bars: readonly Bar[]) =>
  pick(rng, [
    `Reading the heights from left to right: ${listing(bars.map((b) => `${b.colour} is ${b.value}`))}.`,
    `${capital(listing(bars.map((b) => `the ${b.colour} bar reaches ${b.value}`)))}.`,
  ]);
const byValue = (bars: readonly Bar[]) => [...bars].sort((x, y) => y.value - x.value);

const barMinusMin: Template = {
  name: "bar-minus-min",
  draft(rng) {
    const img = barChart(rng);
    const sorted = byValue(img.bars);
    const min = sorted[sorted.length - 1]!;
    const ref = pick(rng, sorted.slice(0, -1));
    const q = pick(rng, [`How much larger is the ${ref.colour} bar than the smallest bar?`, `By how much does the ${ref.colour} bar exceed the shortest bar?`]);
    return draft(rng, this.name, q, [
      barIntro(rng, img.bars.length),
      barRead(rng, img.bars),
      `The smallest bar is the ${min.colour} bar at ${min.value}.`,
      `The ${ref.colour} bar is ${ref.value}, so the difference is ${ref.value} - ${min.value} = ${ref.value - min.value}.`,
    ], ref.value - min.value, img);
  },
};

const maxPlusMin: Template = {
  name: "max-plus-min",
  draft(rng) {
    const img = barChart(rng);
    const sorted = byValue(img.bars);
    const [max, min] = [sorted[0]!, sorted[sorted.length - 1]!];
    const q = pick(rng, ["What is the sum of the tallest bar and the shortest bar?", "Add the values of the tallest and the shortest bars. What is the total?"]);
    return draft(rng, this.name, q, [
      barIntro(rng, img.bars.length),
      barRead(rng, img.bars),
      `The tallest bar is the ${max.colour} bar at ${max.value} and the shortest is the ${min.colour} bar at ${min.value}.`,
      `Adding them gives ${max.value} + ${min.value} = ${max.value + min.value}.`,
    ], max.value + min.value, img);
  },
};

const countTaller: Template = {
  name: "count-taller",
  draft(rng) {
    const img = barChart(rng);
    const ref = pick(rng, img.bars);
    const taller = img.bars.filter((b) => b.value > ref.value);
    const n = taller.length;
    const q = pick(rng, [`How many bars are taller than the ${ref.colour} bar?`, `How many bars have a larger value than the ${ref.colour} bar?`]);
    return draft(rng, this.name, q, [
      barIntro(rng, img.bars.length),
      barRead(rng, img.bars),
      `The ${ref.colour} bar reaches ${ref.value}.`,
      n ? `The bars taller than it are ${listing(taller.map((b) => `${b.colour} with ${b.value}`))}.` : "No bar is taller than it.",
      `That makes ${n} ${plural(n, "bar")}.`,
    ], n, img);
  },
};

const secondTallest: Template = {
  name: "second-tallest",
  draft(rng) {
    const img = barChart(rng);
    const sorted = byValue(img.bars);
    const second = sorted[1]!;
    const q = pick(rng, ["Which colour is the second tallest bar?", "What colour is the bar with the second largest value?"]);
    return draft(rng, this.name, q, [
      barIntro(rng, img.bars.length),
      barRead(rng, img.bars),
      `Sorted from tallest to shortest the bars are ${listing(sorted.map((b) => `${b.colour} ${b.value}`))}.`,
      `The second tallest is the ${second.colour} bar.`,
    ], second.colour, img);
  },
};

// ── line charts: 4–6 points, values 0–9, never flat between neighbours ───────────────────
function lineChart(rng: Rng): LineChartImage {
  const k = randInt(rng, 4, 6);
  const values = drawUntil(rng, (r) => Array.from({ length: k }, () => randInt(r, 0, 9)), (vs) => vs.every((v, i) => i === 0 || v !== vs[i - 1]), "line");
  return { kind: "line-chart", values };
}

const lineIntro = (rng: Rng, k: number) =>
  pick(rng, [`The line chart has ${countWord(k)} points joined by a line.`, `A line connects ${countWord(k)} points in the chart.`]);
const lineRead = (rng: Rng, vs: readonly number[]) =>
  pick(rng, [`From left to right the values are ${listing(vs)}.`, `Reading the points from left to right gives ${listing(vs)}.`]);

const lineRise: Template = {
  name: "line-rise",
  draft(rng) {
    const img = lineChart(rng);
    const vs = img.values;
    const max = Math.max(...vs);
    const q = pick(rng, ["How much higher is the highest point than the first point?", "By how much does the highest point exceed the first point?"]);
    return draft(rng, this.name, q, [
      lineIntro(rng, vs.length),
      lineRead(rng, vs),
      `The first point is at ${vs[0]}.`,
      `The highest point is at ${max}.`,
      `The difference is ${max} - ${vs[0]} = ${max - vs[0]!}.`,
    ], max - vs[0]!, img);
  },
};

const linePeak: Template = {
  name: "line-peak",
  draft(rng) {
    const img = drawUntil(rng, lineChart, (l) => l.values.filter((v) => v === Math.max(...l.values)).length === 1, "line with one peak");
    const vs = img.values;
    const max = Math.max(...vs);
    const i = vs.indexOf(max);
    const q = pick(rng, ["At which point does the line reach its highest value?", "Counting from the left, which point is the highest?"]);
    return draft(rng, this.name, q, [
      lineIntro(rng, vs.length),
      lineRead(rng, vs),
      `The largest of these values is ${max}.`,
      `It is the ${ordinal(i)} point from the left, so it is point ${i + 1}.`,
    ], i + 1, img);
  },
};

const lineDrops: Template = {
  name: "line-drops",
  draft(rng) {
    const img = lineChart(rng);
    const vs = img.values;
    const steps = vs.slice(1).map((v, i) => `from ${vs[i]} to ${v} it goes ${v < vs[i]! ? "down" : "up"}`);
    const n = vs.slice(1).filter((v, i) => v < vs[i]!).length;
    const q = pick(rng, ["How many times does the line go down from one point to the next?", "How many steps of the line go downwards?"]);
    return draft(rng, this.name, q, [
      lineIntro(rng, vs.length),
      lineRead(rng, vs),
      `Going step by step: ${listing(steps)}.`,
      `It goes down ${n} ${plural(n, "time")}.`,
    ], n, img);
  },
};

// ── tables: three colour-marked rows of two numbers 0–9 ──────────────────────────────────
type Row = TableImage["rows"][number];

function table(rng: Rng): TableImage {
  const colours = pickDistinct(rng, CHART_COLOURS, 3);
  return { kind: "table", rows: colours.map((colour) => ({ colour, values: [randInt(rng, 0, 9), randInt(rng, 0, 9)] as const })) };
}

const tableIntro = (rng: Rng) =>
  pick(rng, ["The table has three rows, each marked with a colour, and two columns of numbers.", "Each of the three rows in the table starts with a colour and holds two numbers."]);
const tableRead = (rows: readonly Row[]) => `${capital(listing(rows.map((r) => `the ${r.colour} row has ${r.values[0]} and ${r.values[1]}`)))}.`;
const total = (r: Row) => r.values[0] + r.values[1];

const tableRowTotal: Template = {
  name: "table-row-total",
  draft(rng) {
    const img = table(rng);
    const ref = pick(rng, img.rows);
    const [a, b] = ref.values;
    const q = pick(rng, [`What is the total of the ${ref.colour} row?`, `What do the two numbers in the ${ref.colour} row add up to?`]);
    return draft(rng, this.name, q, [
      tableIntro(rng),
      tableRead(img.rows),
      `The ${ref.colour} row holds ${a} and ${b}.`,
      `Adding them gives ${a} + ${b} = ${a + b}.`,
    ], a + b, img);
  },
};

const tableLargestRow: Template = {
  name: "table-largest-row",
  draft(rng) {
    const img = drawUntil(rng, table, (t) => t.rows.filter((r) => total(r) === Math.max(...t.rows.map(total))).length === 1, "table with one largest row");
    const best = [...img.rows].sort((x, y) => total(y) - total(x))[0]!;
    const q = pick(rng, ["Which row has the largest total?", "Which colour marks the row with the biggest sum?"]);
    return draft(rng, this.name, q, [
      tableIntro(rng),
      tableRead(img.rows),
      `The totals are ${listing(img.rows.map((r) => `${r.values[0]} + ${r.values[1]} = ${total(r)} for ${r.colour}`))}.`,
      `The largest total is ${total(best)}, in the ${best.colour} row.`,
    ], best.colour, img);
  },
};

const tableColumnDiff: Template = {
  name: "table-column-diff",
  draft(rng) {
    const col = (t: TableImage, j: 0 | 1) => t.rows.map((r) => r.values[j]);
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    const img = drawUntil(rng, table, (t) => sum(col(t, 0)) >= sum(col(t, 1)) && sum(col(t, 0)) - sum(col(t, 1)) <= 20, "table");
    const [c0, c1] = [col(img, 0), col(img, 1)];
    const [s0, s1] = [sum(c0), sum(c1)];
    const q = pick(rng, ["How much larger is the total of the first column than the total of the second column?", "By how much does the first column total exceed the second column total?"]);
    return draft(rng, this.name, q, [
      tableIntro(rng),
      tableRead(img.rows),
      `The first column adds up to ${c0.join(" + ")} = ${s0}.`,
      `The second column adds up to ${c1.join(" + ")} = ${s1}.`,
      `The difference is ${s0} - ${s1} = ${s0 - s1}.`,
    ], s0 - s1, img);
  },
};

// ── perception tier: one bar read off the chart ─────────────────────────────────────────
const readBar: Template = {
  name: "read-bar",
  draft(rng) {
    const img = barChart(rng);
    const ref = pick(rng, img.bars);
    const q = pick(rng, [`What value does the ${ref.colour} bar show?`, `How tall is the ${ref.colour} bar?`]);
    return draft(rng, this.name, q, [barIntro(rng, img.bars.length), barRead(rng, img.bars), `The ${ref.colour} bar reaches ${ref.value}.`], ref.value, img);
  },
};

export const chart: FamilyDefinition = {
  family: "chart",
  answers: [...range(0, 20).map(String), ...CHART_COLOURS],
  hygiene: "instance-key",
  templates: [barMinusMin, maxPlusMin, countTaller, secondTallest, lineRise, linePeak, lineDrops, tableRowTotal, tableLargestRow, tableColumnDiff],
  perception: [readBar],
};
