/**
 * `math-text`: multi-step word problems with no image (the paper's text-only math, spec §6).
 * Every problem takes two operations; the instance key is the template and its numbers,
 * so a problem reworded or retold with other names still belongs to one split only.
 * Answers: integers 0–20.
 */
import { capital, sentences } from "../phrasing.ts";
import { pick, pickDistinct, randInt, range, type Rng } from "../random.ts";
import type { Draft } from "../sample.ts";
import { conclusion, drawUntil, type FamilyDefinition, type Template } from "./family.ts";

const PEOPLE = [
  ["Tom", "he"], ["Anna", "she"], ["Ben", "he"], ["Mia", "she"], ["Sam", "he"],
  ["Lily", "she"], ["Max", "he"], ["Emma", "she"], ["Leo", "he"], ["Zoe", "she"],
] as const;
const ITEMS = ["apples", "pencils", "stickers", "cookies", "marbles", "cards", "shells", "stamps"] as const;
const GOODS = [["pen", "pens"], ["notebook", "notebooks"], ["ball", "balls"], ["cup", "cups"], ["toy", "toys"]] as const;
const ANIMALS = [
  { many: "birds", at: "on a tree", atThe: "on the tree", leave: "fly away", come: "land on it" },
  { many: "ducks", at: "in a pond", atThe: "in the pond", leave: "swim away", come: "join them" },
  { many: "frogs", at: "on a log", atThe: "on the log", leave: "jump off", come: "climb on" },
] as const;

function draft(rng: Rng, template: string, numbers: readonly number[], question: string, steps: readonly string[], answer: number): Draft {
  const a = String(answer);
  return { template, question, rationale: sentences(...steps, conclusion(rng, a)), answer: a, key: `${template}|${numbers.join(",")}` };
}

/** Draws integers from `ranges` until `ok` holds. */
function numbers(rng: Rng, ranges: readonly (readonly [number, number])[], ok: (xs: number[]) => boolean): number[] {
  return drawUntil(rng, (r) => ranges.map(([lo, hi]) => randInt(r, lo, hi)), ok, "problem");
}

const groupsMinus: Template = {
  name: "groups-minus",
  draft(rng) {
    const [a, b, c] = numbers(rng, [[2, 5], [2, 6], [1, 20]], ([a, b, c]) => c! <= a! * b! && a! * b! - c! <= 20) as [number, number, number];
    const [name, he] = pick(rng, PEOPLE);
    const item = pick(rng, ITEMS);
    const t = a * b;
    const q = pick(rng, [
      `${name} has ${a} boxes with ${b} ${item} in each box. ${capital(he)} gives ${c} ${item} to a friend. How many ${item} does ${name} have now?`,
      `${name} packs ${b} ${item} into each of ${a} boxes. Then ${he} gives away ${c} of them. How many ${item} are left?`,
    ]);
    return draft(rng, this.name, [a, b, c], q, [
      `The question asks how many ${item} ${name} has after giving some of them away.`,
      `${name} starts with ${a} boxes of ${b} ${item} each.`,
      `That is ${a} × ${b} = ${t} ${item} in total.`,
      `Then ${he} gives away ${c} ${item}.`,
      `${t} - ${c} = ${t - c} ${item} are left.`,
    ], t - c);
  },
};

const change: Template = {
  name: "change",
  draft(rng) {
    const [p, k, m] = numbers(rng, [[1, 6], [2, 6], [2, 4]], ([p, k, m]) => p! * k! <= m! * 5) as [number, number, number];
    const paid = m * 5;
    const [name, he] = pick(rng, PEOPLE);
    const [one, many] = pick(rng, GOODS);
    const q = pick(rng, [
      `A ${one} costs ${p} dollars. ${name} buys ${k} ${many} and pays with ${paid} dollars. How much change does ${he} get?`,
      `${name} pays ${paid} dollars for ${k} ${many} that cost ${p} dollars each. How many dollars of change does ${he} get back?`,
    ]);
    return draft(rng, this.name, [p, k, paid], q, [
      `The question asks how much money ${name} gets back after paying for the ${many}.`,
      `Each ${one} costs ${p} dollars and ${name} buys ${k} of them.`,
      `The cost is ${k} × ${p} = ${k * p} dollars.`,
      `${name} pays with ${paid} dollars.`,
      `The change is ${paid} - ${k * p} = ${paid - k * p} dollars.`,
    ], paid - k * p);
  },
};

const arriveLeave: Template = {
  name: "arrive-leave",
  draft(rng) {
    const [a, b, c] = numbers(rng, [[5, 20], [1, 19], [1, 9]], ([a, b, c]) => b! < a! && a! - b! + c! <= 20) as [number, number, number];
    const x = pick(rng, ANIMALS);
    const q = pick(rng, [
      `There are ${a} ${x.many} ${x.at}. ${b} ${x.many} ${x.leave} and then ${c} more ${x.many} ${x.come}. How many ${x.many} are ${x.atThe} now?`,
      `${a} ${x.many} are ${x.at}. First ${b} of them ${x.leave}, then ${c} more ${x.come}. How many ${x.many} are ${x.atThe} at the end?`,
    ]);
    return draft(rng, this.name, [a, b, c], q, [
      `The question asks how many ${x.many} are ${x.atThe} after some leave and others arrive.`,
      `At first there are ${a} ${x.many}.`,
      `After ${b} ${x.leave}, ${a} - ${b} = ${a - b} are left.`,
      `Then ${c} more ${x.come}, so ${a - b} + ${c} = ${a - b + c}.`,
      `There are now ${a - b + c} ${x.many} ${x.atThe}.`,
    ], a - b + c);
  },
};

const age: Template = {
  name: "age",
  draft(rng) {
    const [d, b, c] = numbers(rng, [[1, 6], [2, 10], [1, 5]], ([d, b, c]) => d! + b! + c! <= 20) as [number, number, number];
    const [[older, he], [younger]] = pickDistinct(rng, PEOPLE, 2) as [(typeof PEOPLE)[number], (typeof PEOPLE)[number]];
    const q = pick(rng, [
      `${older} is ${d} years older than ${younger}. ${younger} is ${b} years old. How old will ${older} be in ${c} years?`,
      `${younger} is ${b} years old and ${older} is ${d} years older. How old will ${older} be ${c} years from now?`,
    ]);
    return draft(rng, this.name, [d, b, c], q, [
      `The question asks for the age of ${older} ${c} years from now.`,
      `${younger} is ${b} years old.`,
      `${older} is ${d} years older, so ${he} is ${b} + ${d} = ${b + d} years old now.`,
      `In ${c} years ${older} will be ${b + d} + ${c} = ${b + d + c}.`,
    ], b + d + c);
  },
};

const share: Template = {
  name: "share",
  draft(rng) {
    const [a, b, k] = numbers(rng, [[2, 15], [1, 10], [2, 4]], ([a, b, k]) => (a! + b!) % k! === 0) as [number, number, number];
    const [name, he] = pick(rng, PEOPLE);
    const item = pick(rng, ITEMS);
    const t = a + b;
    const q = pick(rng, [
      `${name} has ${a} ${item} and gets ${b} more. ${capital(he)} shares them equally among ${k} friends. How many ${item} does each friend get?`,
      `${name} collects ${a} ${item} and then ${b} more. If ${he} splits them equally between ${k} friends, how many does each friend get?`,
    ]);
    return draft(rng, this.name, [a, b, k], q, [
      `The question asks how many ${item} each of the ${k} friends gets.`,
      `${name} starts with ${a} ${item} and gets ${b} more, so ${he} has ${a} + ${b} = ${t}.`,
      `Sharing ${t} ${item} equally among ${k} friends means ${t} divided by ${k}, which is ${t / k}.`,
      `Each friend gets ${t / k} ${item}.`,
    ], t / k);
  },
};

const pages: Template = {
  name: "pages",
  draft(rng) {
    const [a, b, c] = numbers(rng, [[1, 5], [2, 5], [1, 9]], ([a, b, c]) => a! * b! + c! <= 20) as [number, number, number];
    const [name, he] = pick(rng, PEOPLE);
    const q = pick(rng, [
      `${name} reads ${a} pages every day for ${b} days and then ${c} pages on the last day. How many pages does ${he} read in total?`,
      `For ${b} days ${name} reads ${a} pages a day, and on one more day ${he} reads ${c} pages. How many pages is that altogether?`,
    ]);
    return draft(rng, this.name, [a, b, c], q, [
      `The question asks for the total number of pages that ${name} reads.`,
      `For ${b} days ${name} reads ${a} pages a day, which is ${b} × ${a} = ${a * b} pages.`,
      `On the last day ${he} reads ${c} more pages.`,
      `In total that is ${a * b} + ${c} = ${a * b + c} pages.`,
    ], a * b + c);
  },
};

const together: Template = {
  name: "together",
  draft(rng) {
    const [a, d] = numbers(rng, [[1, 12], [1, 8]], ([a, d]) => 2 * a! + d! <= 20) as [number, number];
    const [[first], [second]] = pickDistinct(rng, PEOPLE, 2) as [(typeof PEOPLE)[number], (typeof PEOPLE)[number]];
    const item = pick(rng, ITEMS);
    const q = pick(rng, [
      `${first} has ${a} ${item}. ${second} has ${d} more ${item} than ${first}. How many ${item} do they have together?`,
      `${second} has ${d} more ${item} than ${first}, who has ${a}. How many ${item} do the two of them have in all?`,
    ]);
    return draft(rng, this.name, [a, d], q, [
      `The question asks how many ${item} ${first} and ${second} have when all their ${item} are put together.`,
      `${first} has ${a} ${item}.`,
      `${second} has ${d} more, so ${second} has ${a} + ${d} = ${a + d} ${item}.`,
      `Together they have ${a} + ${a + d} = ${2 * a + d} ${item}.`,
    ], 2 * a + d);
  },
};

export const mathText: FamilyDefinition = {
  family: "math-text",
  answers: range(0, 20).map(String),
  hygiene: "instance-key",
  templates: [groupsMinus, change, arriveLeave, age, share, pages, together],
  perception: [],
};
