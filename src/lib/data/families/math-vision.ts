/**
 * `math-vision`: arithmetic over REAL handwritten MNIST digits (the paper's "math with
 * vision", spec §6). Three layouts — a row of three digits, a 2×2 grid, and an expression
 * "digit operator digit" with the operator drawn as a glyph — and questions that need every
 * digit read and one or two computations. Answers: integers 0–20.
 */
import type { DigitRef, DigitsImage, Operator } from "../image-spec.ts";
import { imageKey } from "../image-spec.ts";
import { drawDigitIndex } from "../mnist-digits.ts";
import { listing, sentences } from "../phrasing.ts";
import { pick, randInt, range, type Rng } from "../random.ts";
import type { Draft, Split } from "../sample.ts";
import { conclusion, drawUntil, type FamilyDefinition, type Template } from "./family.ts";

const labels = (rng: Rng, k: number): number[] => Array.from({ length: k }, () => randInt(rng, 0, 9));

function image(rng: Rng, split: Split, layout: DigitsImage["layout"], ls: readonly number[], operator?: Operator): DigitsImage {
  const digits: DigitRef[] = ls.map((label) => ({ label, index: drawDigitIndex(rng, label, split) }));
  return operator ? { kind: "digits", layout, digits, operator } : { kind: "digits", layout, digits };
}

function draft(rng: Rng, template: string, question: string, steps: readonly string[], answer: number, img: DigitsImage): Draft {
  const a = String(answer);
  return { template, question, rationale: sentences(...steps, conclusion(rng, a)), answer: a, image: img, key: imageKey(img) };
}

// ── a row of three digits ────────────────────────────────────────────────────────────────
const rowIntro = (rng: Rng) =>
  pick(rng, ["The image shows three handwritten digits in a row.", "There are three handwritten digits written side by side in the picture."]);
const rowRead = (rng: Rng, ls: readonly number[]) =>
  pick(rng, [`Reading from left to right, the digits are ${listing(ls)}.`, `From left to right they read ${listing(ls)}.`]);

const twoLargestSum: Template = {
  name: "two-largest-sum",
  draft(rng, split) {
    const ls = labels(rng, 3);
    const img = image(rng, split, "row", ls);
    const sorted = [...ls].sort((x, y) => y - x);
    const [a, b] = sorted as [number, number, number];
    const q = pick(rng, ["What is the sum of the two largest digits?", "If you add the two largest digits, what do you get?"]);
    return draft(rng, this.name, q, [
      rowIntro(rng),
      rowRead(rng, ls),
      `Ordered from largest to smallest they are ${listing(sorted)}, so the two largest digits are ${a} and ${b}.`,
      pick(rng, [`Adding them gives ${a} + ${b} = ${a + b}.`, `Their sum is ${a} + ${b} = ${a + b}.`]),
    ], a + b, img);
  },
};

const maxMinusMin: Template = {
  name: "max-minus-min",
  draft(rng, split) {
    const ls = labels(rng, 3);
    const img = image(rng, split, "row", ls);
    const hi = Math.max(...ls);
    const lo = Math.min(...ls);
    const q = pick(rng, ["What is the largest digit minus the smallest digit?", "How much larger is the largest digit than the smallest digit?"]);
    return draft(rng, this.name, q, [
      rowIntro(rng),
      rowRead(rng, ls),
      `The largest digit is ${hi} and the smallest digit is ${lo}.`,
      pick(rng, [`Subtracting gives ${hi} - ${lo} = ${hi - lo}.`, `The difference is ${hi} - ${lo} = ${hi - lo}.`]),
    ], hi - lo, img);
  },
};

const countGreater: Template = {
  name: "count-greater",
  draft(rng, split) {
    const ls = labels(rng, 3);
    const img = image(rng, split, "row", ls);
    const t = randInt(rng, 1, 7);
    const n = ls.filter((d) => d > t).length;
    const checks = ls.map((d) => (d > t ? `${d} is greater than ${t}` : `${d} is not greater than ${t}`));
    const q = pick(rng, [`How many of the digits are greater than ${t}?`, `How many digits in the image are bigger than ${t}?`]);
    return draft(rng, this.name, q, [
      rowIntro(rng),
      rowRead(rng, ls),
      `Checking each one: ${listing(checks)}.`,
      `That makes ${n} ${n === 1 ? "digit" : "digits"} greater than ${t}.`,
    ], n, img);
  },
};

const outerMinusMiddle: Template = {
  name: "outer-minus-middle",
  draft(rng, split) {
    const ls = drawUntil(rng, (r) => labels(r, 3), ([a, b, c]) => a! + c! >= b!, "row");
    const [a, b, c] = ls as [number, number, number];
    const img = image(rng, split, "row", ls);
    const q = pick(rng, ["What is the first digit plus the last digit minus the middle digit?", "Add the first and last digits, then take away the middle digit. What is the result?"]);
    return draft(rng, this.name, q, [
      rowIntro(rng),
      rowRead(rng, ls),
      `The first digit is ${a} and the last digit is ${c}, so together they make ${a} + ${c} = ${a + c}.`,
      `Taking away the middle digit ${b} gives ${a + c} - ${b} = ${a + c - b}.`,
    ], a + c - b, img);
  },
};

// ── a 2×2 grid ──────────────────────────────────────────────────────────────────────────
const gridIntro = (rng: Rng) =>
  pick(rng, ["The image shows four handwritten digits arranged in a two by two grid.", "Four handwritten digits are placed in a grid with two rows and two columns."]);
const gridRead = (rng: Rng, [tl, tr, bl, br]: readonly number[]) =>
  pick(rng, [
    `The top row has ${tl} and ${tr}, and the bottom row has ${bl} and ${br}.`,
    `In the top row the digits are ${tl} and ${tr}; in the bottom row they are ${bl} and ${br}.`,
  ]);

const diagonalSum: Template = {
  name: "diagonal-sum",
  draft(rng, split) {
    const ls = labels(rng, 4);
    const [tl, , , br] = ls as [number, number, number, number];
    const img = image(rng, split, "grid", ls);
    const q = pick(rng, ["What is the sum of the top left digit and the bottom right digit?", "Add the digit in the top left corner to the digit in the bottom right corner. What is the result?"]);
    return draft(rng, this.name, q, [
      gridIntro(rng),
      gridRead(rng, ls),
      `The top left digit is ${tl} and the bottom right digit is ${br}.`,
      `Adding them gives ${tl} + ${br} = ${tl + br}.`,
    ], tl + br, img);
  },
};

const rowDifference: Template = {
  name: "row-difference",
  draft(rng, split) {
    const ls = drawUntil(rng, (r) => labels(r, 4), ([a, b, c, d]) => a! + b! >= c! + d!, "grid");
    const [tl, tr, bl, br] = ls as [number, number, number, number];
    const img = image(rng, split, "grid", ls);
    const top = tl + tr;
    const bottom = bl + br;
    const q = pick(rng, ["How much larger is the sum of the top row than the sum of the bottom row?", "By how much does the top row total exceed the bottom row total?"]);
    return draft(rng, this.name, q, [
      gridIntro(rng),
      gridRead(rng, ls),
      `The top row adds up to ${tl} + ${tr} = ${top}.`,
      `The bottom row adds up to ${bl} + ${br} = ${bottom}.`,
      `The difference is ${top} - ${bottom} = ${top - bottom}.`,
    ], top - bottom, img);
  },
};

const columnMaxSum: Template = {
  name: "column-max-sum",
  draft(rng, split) {
    const ls = labels(rng, 4);
    const [tl, tr, bl, br] = ls as [number, number, number, number];
    const img = image(rng, split, "grid", ls);
    const left = Math.max(tl, bl);
    const right = Math.max(tr, br);
    const q = pick(rng, ["What is the sum of the largest digit in each column?", "Take the larger digit from each column and add them. What do you get?"]);
    return draft(rng, this.name, q, [
      gridIntro(rng),
      gridRead(rng, ls),
      `In the left column the digits are ${tl} and ${bl}, and the larger one is ${left}.`,
      `In the right column the digits are ${tr} and ${br}, and the larger one is ${right}.`,
      `Adding them gives ${left} + ${right} = ${left + right}.`,
    ], left + right, img);
  },
};

// ── an expression: digit, operator glyph, digit ──────────────────────────────────────────
const OPS: Readonly<Record<Operator, { name: string; symbol: string; apply: (a: number, b: number) => number }>> = {
  plus: { name: "a plus sign", symbol: "+", apply: (a, b) => a + b },
  minus: { name: "a minus sign", symbol: "-", apply: (a, b) => a - b },
  times: { name: "a times sign", symbol: "×", apply: (a, b) => a * b },
};

/** An operator and two digits whose value is in 0–20 (minus: a ≥ b; times: a·b ≤ 20). */
function expression(rng: Rng): { a: number; b: number; op: Operator; value: number } {
  const op = pick(rng, ["plus", "minus", "times"] as const);
  const [a, b] = drawUntil(rng, (r) => labels(r, 2), ([x, y]) => (op === "minus" ? x! >= y! : op === "times" ? x! * y! <= 20 : true), "expression") as [number, number];
  return { a, b, op, value: OPS[op].apply(a, b) };
}

const exprIntro = (rng: Rng) =>
  pick(rng, [
    "The image shows a handwritten calculation: a digit, an operator sign and another digit.",
    "The picture contains a small calculation made of two handwritten digits with an operator between them.",
  ]);
const exprRead = (a: number, op: Operator, b: number) => `The first digit is ${a}, the operator is ${OPS[op].name}, and the second digit is ${b}.`;

const evaluate: Template = {
  name: "evaluate",
  draft(rng, split) {
    const { a, b, op, value } = expression(rng);
    const img = image(rng, split, "expression", [a, b], op);
    const s = OPS[op].symbol;
    const q = pick(rng, ["What is the value of the expression in the image?", "Work out the calculation shown in the image. What is the result?"]);
    return draft(rng, this.name, q, [
      exprIntro(rng),
      exprRead(a, op, b),
      `So the expression reads ${a} ${s} ${b}.`,
      `Working it out gives ${a} ${s} ${b} = ${value}.`,
    ], value, img);
  },
};

const evaluateThenAdd: Template = {
  name: "evaluate-then-add",
  draft(rng, split) {
    const k = randInt(rng, 1, 5);
    const { a, b, op, value } = drawUntil(rng, expression, (e) => e.value + k <= 20, "expression");
    const img = image(rng, split, "expression", [a, b], op);
    const s = OPS[op].symbol;
    const q = pick(rng, [`What do you get if you add ${k} to the value of the expression?`, `Add ${k} to the result of the calculation in the image. What is the total?`]);
    return draft(rng, this.name, q, [
      exprIntro(rng),
      exprRead(a, op, b),
      `The expression ${a} ${s} ${b} equals ${value}.`,
      `Adding ${k} gives ${value} + ${k} = ${value + k}.`,
    ], value + k, img);
  },
};

// ── perception tier: one digit read off a row ───────────────────────────────────────────
const readDigit: Template = {
  name: "read-digit",
  draft(rng, split) {
    const ls = labels(rng, 3);
    const img = image(rng, split, "row", ls);
    const at = randInt(rng, 0, 2);
    const which = ["first", "second", "third"][at]!;
    const q = pick(rng, [`What is the ${which} digit from the left?`, `Which digit is written ${which} from the left?`]);
    return draft(rng, this.name, q, [rowIntro(rng), rowRead(rng, ls), `The ${which} digit from the left is ${ls[at]}.`], ls[at]!, img);
  },
};

export const mathVision: FamilyDefinition = {
  family: "math-vision",
  answers: range(0, 20).map(String),
  hygiene: "digit-pools",
  templates: [twoLargestSum, maxMinusMin, countGreater, outerMinusMiddle, diagonalSum, rowDifference, columnMaxSum, evaluate, evaluateThenAdd],
  perception: [readDigit],
};
