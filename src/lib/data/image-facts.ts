/**
 * An image's structured facts as fixed classification slots: what a perception objective
 * (`vision/fact-head.ts`) teaches the vision encoder to read before any language model sees
 * it — the playground's stand-in for the pretrained CLIP Meteor starts from. Every spec maps
 * to the same list of slots; a slot that does not apply to the image's kind is −1 (ignored):
 *
 *   kind                          digits-row | digits-grid | digits-expression | bar-chart | line-chart | table | scene
 *   digit1…digit4                 0–9, or "none" past the last digit            (digits)
 *   operator                      plus | minus | times | none                    (digits)
 *   bar1…bar5 value / colour      1–9 / the chart colours, or "none" past the last bar   (bar chart)
 *   point1…point6                 0–9, or "none" past the last point            (line chart)
 *   row1…row3 colour / a / b      the chart colours / 0–9                       (table)
 *   cell1…cell16                  empty, or colour × shape × size               (scene, row by row)
 *
 * Pure data: labels only, read straight from the spec.
 */
import type { ImageSpec } from "./image-spec.ts";

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;
const CHART_COLOURS = ["red", "blue", "green", "orange", "purple"] as const;
const SCENE_COLOURS = ["red", "blue", "green", "yellow"] as const;
const SHAPES = ["circle", "square", "triangle"] as const;
const SIZES = ["small", "large"] as const;
const KINDS = ["digits-row", "digits-grid", "digits-expression", "bar-chart", "line-chart", "table", "scene"] as const;
const SCENE_CELL = ["empty", ...SCENE_COLOURS.flatMap((c) => SHAPES.flatMap((s) => SIZES.map((z) => `${c} ${s} ${z}`)))];

export interface FactSlot {
  readonly name: string;
  /** Class names; a label is an index into them. */
  readonly classes: readonly string[];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Every slot, in label order. */
export const FACT_SLOTS: readonly FactSlot[] = Object.freeze([
  { name: "kind", classes: KINDS },
  ...range(4).map((i) => ({ name: `digit${i}`, classes: [...DIGITS, "none"] })),
  { name: "operator", classes: ["plus", "minus", "times", "none"] },
  ...range(5).flatMap((i) => [
    { name: `bar${i}.value`, classes: [...DIGITS, "none"] },
    { name: `bar${i}.colour`, classes: [...CHART_COLOURS, "none"] },
  ]),
  ...range(6).map((i) => ({ name: `point${i}`, classes: [...DIGITS, "none"] })),
  ...range(3).flatMap((i) => [
    { name: `row${i}.colour`, classes: CHART_COLOURS },
    { name: `row${i}.a`, classes: DIGITS },
    { name: `row${i}.b`, classes: DIGITS },
  ]),
  ...range(16).map((i) => ({ name: `cell${i}`, classes: SCENE_CELL })),
]);

/** Total classes over all slots (the fact head's output width). */
export const FACT_CLASSES = FACT_SLOTS.reduce((n, s) => n + s.classes.length, 0);

/** The labels of `spec`, one per slot (−1 where the slot does not apply). */
export function imageFacts(spec: ImageSpec): Int32Array {
  const out = new Int32Array(FACT_SLOTS.length).fill(-1);
  const set = (name: string, cls: string) => {
    const i = FACT_SLOTS.findIndex((s) => s.name === name);
    const k = FACT_SLOTS[i]!.classes.indexOf(cls);
    if (i < 0 || k < 0) throw new Error(`imageFacts: no class "${cls}" in slot ${name}`);
    out[i] = k;
  };
  switch (spec.kind) {
    case "digits":
      set("kind", `digits-${spec.layout}`);
      range(4).forEach((i) => set(`digit${i}`, spec.digits[i - 1] ? String(spec.digits[i - 1]!.label) : "none"));
      set("operator", spec.operator ?? "none");
      break;
    case "bar-chart":
      set("kind", "bar-chart");
      range(5).forEach((i) => {
        const b = spec.bars[i - 1];
        set(`bar${i}.value`, b ? String(b.value) : "none");
        set(`bar${i}.colour`, b ? b.colour : "none");
      });
      break;
    case "line-chart":
      set("kind", "line-chart");
      range(6).forEach((i) => set(`point${i}`, spec.values[i - 1] !== undefined ? String(spec.values[i - 1]) : "none"));
      break;
    case "table":
      set("kind", "table");
      spec.rows.forEach((r, j) => {
        set(`row${j + 1}.colour`, r.colour);
        set(`row${j + 1}.a`, String(r.values[0]));
        set(`row${j + 1}.b`, String(r.values[1]));
      });
      break;
    case "scene": {
      set("kind", "scene");
      const cells = Array<string>(16).fill("empty");
      for (const o of spec.objects) cells[o.row * spec.grid + o.col] = `${o.colour} ${o.shape} ${o.size}`;
      cells.forEach((c, i) => set(`cell${i + 1}`, c));
      break;
    }
  }
  return out;
}
