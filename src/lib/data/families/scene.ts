/**
 * `scene`: coloured shapes of two sizes on a 4×4 board (the paper's "real-world images",
 * spec §6, reduced to what a tiny model can see): counting, comparison and spatial
 * relations ("how many red shapes are left of the blue square?"). Rows are counted from
 * the top and columns from the left; "left of" / "above" mean a smaller column / row.
 * Answers: integers 0–7, yes/no, a colour or a shape.
 */
import { imageKey, type Colour, type SceneImage, type SceneObject, type Shape, type ShapeSize } from "../image-spec.ts";
import { countWord, listing, plural, sentences } from "../phrasing.ts";
import { pick, pickDistinct, randInt, range, type Rng } from "../random.ts";
import type { Draft } from "../sample.ts";
import { conclusion, drawUntil, type FamilyDefinition, type Template } from "./family.ts";

export const SCENE_GRID = 4;
export const SCENE_COLOURS: readonly Colour[] = ["red", "blue", "green", "yellow"];
export const SHAPES: readonly Shape[] = ["circle", "square", "triangle"];
const SIZES: readonly ShapeSize[] = ["small", "large"];

/** 3–7 shapes in distinct cells, listed row by row (so equal boards have equal keys). */
function scene(rng: Rng): SceneImage {
  const k = randInt(rng, 3, 7);
  const cells = pickDistinct(rng, range(0, SCENE_GRID * SCENE_GRID - 1), k).sort((a, b) => a - b);
  const objects = cells.map((c) => ({
    shape: pick(rng, SHAPES),
    colour: pick(rng, SCENE_COLOURS),
    size: pick(rng, SIZES),
    row: Math.floor(c / SCENE_GRID),
    col: c % SCENE_GRID,
  }));
  return { kind: "scene", grid: SCENE_GRID, objects };
}

function draft(rng: Rng, template: string, question: string, img: SceneImage, steps: readonly string[], answer: string | number): Draft {
  const a = String(answer);
  const intro = pick(rng, [
    `The scene shows ${countWord(img.objects.length)} shapes on a four by four grid.`,
    `There are ${countWord(img.objects.length)} shapes placed on a grid of four rows and four columns.`,
  ]);
  const convention = "Rows are counted from the top and columns from the left.";
  return { template, question, rationale: sentences(intro, convention, ...steps, conclusion(rng, a)), answer: a, image: img, key: imageKey(img) };
}

/** Objects that are the only one of their kind under `kind` (e.g. the only blue square). */
const uniqueBy = (objs: readonly SceneObject[], kind: (o: SceneObject) => string) =>
  objs.filter((o) => objs.filter((p) => kind(p) === kind(o)).length === 1);
const colourShape = (o: SceneObject) => `${o.colour} ${o.shape}`;
const sizeShape = (o: SceneObject) => `${o.size} ${o.shape}`;
const isAre = (n: number) => (n === 1 ? "is" : "are");

const countLeftOf: Template = {
  name: "count-left-of",
  draft(rng) {
    const img = drawUntil(rng, scene, (s) => uniqueBy(s.objects, colourShape).length > 0, "scene with a unique shape");
    const ref = pick(rng, uniqueBy(img.objects, colourShape));
    const c = pick(rng, SCENE_COLOURS.filter((x) => x !== ref.colour));
    const cands = img.objects.filter((o) => o.colour === c);
    const n = cands.filter((o) => o.col < ref.col).length;
    const q = pick(rng, [`How many ${c} shapes are left of the ${ref.colour} ${ref.shape}?`, `Count the ${c} shapes to the left of the ${ref.colour} ${ref.shape}. How many are there?`]);
    return draft(rng, this.name, q, img, [
      `The ${ref.colour} ${ref.shape} is in column ${ref.col + 1}.`,
      cands.length
        ? `The ${c} shapes are ${listing(cands.map((o) => `a ${o.size} ${o.shape} in column ${o.col + 1}`))}, and ${n} of them ${isAre(n)} in a column before column ${ref.col + 1}.`
        : `There are no ${c} shapes at all.`,
      `So ${n} ${c} ${plural(n, "shape")} ${isAre(n)} left of the ${ref.colour} ${ref.shape}.`,
    ], n);
  },
};

const countAbove: Template = {
  name: "count-above",
  draft(rng) {
    const img = drawUntil(rng, scene, (s) => uniqueBy(s.objects, colourShape).length > 0, "scene with a unique shape");
    const ref = pick(rng, uniqueBy(img.objects, colourShape));
    const above = img.objects.filter((o) => o.row < ref.row);
    const n = above.length;
    const q = pick(rng, [`How many shapes are above the ${ref.colour} ${ref.shape}?`, `How many shapes sit in a higher row than the ${ref.colour} ${ref.shape}?`]);
    return draft(rng, this.name, q, img, [
      `The ${ref.colour} ${ref.shape} is in row ${ref.row + 1}.`,
      n ? `The shapes in higher rows are ${listing(above.map((o) => `a ${o.size} ${o.colour} ${o.shape} in row ${o.row + 1}`))}.` : "No shape sits in a higher row.",
      `That makes ${n} ${plural(n, "shape")} above it.`,
    ], n);
  },
};

const sameColourAs: Template = {
  name: "same-colour-as",
  draft(rng) {
    const img = drawUntil(rng, scene, (s) => uniqueBy(s.objects, sizeShape).length > 0, "scene with a unique shape");
    const ref = pick(rng, uniqueBy(img.objects, sizeShape));
    const others = img.objects.filter((o) => o !== ref && o.colour === ref.colour);
    const n = others.length;
    const q = pick(rng, [`How many other shapes have the same colour as the ${ref.size} ${ref.shape}?`, `Apart from the ${ref.size} ${ref.shape}, how many shapes share its colour?`]);
    return draft(rng, this.name, q, img, [
      `The ${ref.size} ${ref.shape} is ${ref.colour}.`,
      n ? `The other ${ref.colour} shapes are ${listing(others.map((o) => `a ${o.size} ${o.shape}`))}.` : `No other shape is ${ref.colour}.`,
      `That makes ${n} other ${ref.colour} ${plural(n, "shape")}.`,
    ], n);
  },
};

const moreThan: Template = {
  name: "more-than",
  draft(rng) {
    const want = pick(rng, ["yes", "no"]);
    const { img, c, s, a, b } = drawUntil(
      rng,
      (r) => {
        const img = scene(r);
        const c = pick(r, SCENE_COLOURS);
        const s = pick(r, SHAPES);
        return { img, c, s, a: img.objects.filter((o) => o.colour === c).length, b: img.objects.filter((o) => o.shape === s).length };
      },
      (x) => (x.a > x.b ? "yes" : "no") === want,
      "comparison",
    );
    const q = pick(rng, [`Are there more ${c} shapes than ${s}s?`, `Is the number of ${c} shapes larger than the number of ${s}s?`]);
    return draft(rng, this.name, q, img, [
      `Counting the ${c} shapes gives ${a}.`,
      `Counting the ${s}s of any colour gives ${b}.`,
      a > b ? `${a} is more than ${b}, so there are more ${c} shapes.` : `${a} is not more than ${b}, so there are not more ${c} shapes.`,
    ], want);
  },
};

const rightmostColour: Template = {
  name: "rightmost-colour",
  draft(rng) {
    const maxCol = (s: SceneImage) => Math.max(...s.objects.map((o) => o.col));
    const img = drawUntil(rng, scene, (s) => s.objects.filter((o) => o.col === maxCol(s)).length === 1, "scene with one rightmost shape");
    const right = img.objects.find((o) => o.col === maxCol(img))!;
    const q = pick(rng, ["What colour is the shape furthest to the right?", "What colour is the rightmost shape?"]);
    return draft(rng, this.name, q, img, [
      `The rightmost column that holds a shape is column ${right.col + 1}.`,
      `The only shape there is a ${right.size} ${right.colour} ${right.shape}.`,
    ], right.colour);
  },
};

const leftmostShape: Template = {
  name: "leftmost-shape",
  draft(rng) {
    const c = pick(rng, SCENE_COLOURS);
    const ofColour = (s: SceneImage) => s.objects.filter((o) => o.colour === c);
    const img = drawUntil(
      rng,
      scene,
      (s) => {
        const os = ofColour(s);
        return os.length > 0 && os.filter((o) => o.col === Math.min(...os.map((p) => p.col))).length === 1;
      },
      "scene with one leftmost shape of a colour",
    );
    const os = ofColour(img);
    const left = os.find((o) => o.col === Math.min(...os.map((p) => p.col)))!;
    const q = pick(rng, [`What shape is the leftmost ${c} shape?`, `Which kind of shape is the ${c} shape furthest to the left?`]);
    return draft(rng, this.name, q, img, [
      `The ${c} shapes are ${listing(os.map((o) => `a ${o.size} ${o.shape} in column ${o.col + 1}`))}.`,
      `The leftmost of them is in column ${left.col + 1}, and it is a ${left.shape}.`,
    ], left.shape);
  },
};

const neitherCount: Template = {
  name: "neither-count",
  draft(rng) {
    const img = scene(rng);
    const c = pick(rng, SCENE_COLOURS);
    const s = pick(rng, SHAPES);
    const k = img.objects.length;
    const a = img.objects.filter((o) => o.colour === c).length;
    const b = img.objects.filter((o) => o.shape === s).length;
    const ab = img.objects.filter((o) => o.colour === c && o.shape === s).length;
    const u = a + b - ab;
    const q = pick(rng, [`How many shapes are neither ${c} nor ${s}s?`, `How many shapes are not ${c} and are not ${s}s?`]);
    return draft(rng, this.name, q, img, [
      `There are ${k} shapes in total.`,
      `${a} of them ${isAre(a)} ${c} and ${b} ${isAre(b)} ${s}s, and ${ab} ${isAre(ab)} both, so ${a} + ${b} - ${ab} = ${u} ${isAre(u)} ${c} or ${s}s.`,
      `That leaves ${k} - ${u} = ${k - u} ${plural(k - u, "shape")}.`,
    ], k - u);
  },
};

// ── perception tier: one count ──────────────────────────────────────────────────────────
const countColour: Template = {
  name: "count-colour",
  draft(rng) {
    const img = scene(rng);
    const c = pick(rng, SCENE_COLOURS);
    const os = img.objects.filter((o) => o.colour === c);
    const n = os.length;
    const q = pick(rng, [`How many ${c} shapes are there?`, `Count the ${c} shapes. How many are there?`]);
    return draft(rng, this.name, q, img, [
      n ? `The ${c} shapes are ${listing(os.map((o) => `a ${o.size} ${o.shape} in row ${o.row + 1}`))}.` : `No shape is ${c}.`,
      `That makes ${n} ${c} ${plural(n, "shape")}.`,
    ], n);
  },
};

export const sceneFamily: FamilyDefinition = {
  family: "scene",
  answers: [...range(0, 7).map(String), "yes", "no", ...SCENE_COLOURS, ...SHAPES],
  hygiene: "instance-key",
  templates: [countLeftOf, countAbove, sameColourAs, moreThan, rightmostColour, leftmostShape, neitherCount],
  perception: [countColour],
};
