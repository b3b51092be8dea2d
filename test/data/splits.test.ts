import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { imageKey, type DigitsImage } from "../../src/lib/data/image-spec.ts";
import { MNIST_COUNTS, MNIST_SIDE } from "../../src/lib/data/mnist-digits.ts";
import { SPLITS, type Sample, type Split } from "../../src/lib/data/sample.ts";
import { poolRange, splitOfKey } from "../../src/lib/data/splits.ts";

// Each split drawn with its own seed: hygiene must not depend on the seed.
const bySplit: Record<Split, Sample[]> = {
  train: generateDataset({ n: 3000, seed: 1, split: "train" }),
  validation: generateDataset({ n: 1600, seed: 2, split: "validation" }),
  test: generateDataset({ n: 1600, seed: 3, split: "test" }),
};
const pairs = [["train", "validation"], ["train", "test"], ["validation", "test"]] as const;

function overlap<T>(a: Iterable<T>, b: Iterable<T>): T[] {
  const sb = new Set(b);
  return [...new Set(a)].filter((x) => sb.has(x));
}

describe("split hygiene", () => {
  it("every sample is labelled with the split it was drawn for", () => {
    for (const split of SPLITS) for (const s of bySplit[split]) expect(s.split).toBe(split);
  });

  it("MNIST pools are contiguous, disjoint and cover each class", () => {
    for (const count of MNIST_COUNTS) {
      const [tr, va, te] = SPLITS.map((s) => poolRange(count, s));
      expect([tr!.start, tr!.end === va!.start, va!.end === te!.start, te!.end]).toEqual([0, true, true, count]);
      expect(va!.end - va!.start).toBeGreaterThan(50);
    }
  });

  it("no MNIST digit image is used by two splits", () => {
    const digitsOf = (split: Split) =>
      bySplit[split].flatMap((s) => (s.image?.kind === "digits" ? (s.image as DigitsImage).digits.map((d) => `${d.label}/${d.index}`) : []));
    for (const split of SPLITS) {
      for (const s of bySplit[split]) {
        if (s.image?.kind !== "digits") continue;
        for (const d of s.image.digits) {
          const { start, end } = poolRange(MNIST_COUNTS[d.label]!, split);
          expect(d.index >= start && d.index < end, `${s.id} digit ${d.label}/${d.index}`).toBe(true);
        }
      }
    }
    for (const [a, b] of pairs) expect(overlap(digitsOf(a), digitsOf(b)), `${a}/${b}`).toEqual([]);
  });

  it("no image and no (question, image) pair is shared by two splits", () => {
    const images = (split: Split) => bySplit[split].filter((s) => s.image).map((s) => imageKey(s.image!));
    const qi = (split: Split) => bySplit[split].map((s) => `${s.question}\u0000${s.image ? imageKey(s.image) : ""}`);
    for (const [a, b] of pairs) {
      expect(overlap(images(a), images(b)), `${a}/${b}`).toEqual([]);
      expect(overlap(qi(a), qi(b)), `${a}/${b}`).toEqual([]);
    }
  });

  it("no text problem is shared by two splits, even retold with other names or items", () => {
    // the problem with names and items blanked out: the same numbers in the same wording
    const skeleton = (q: string) => q.replace(/\b[A-Z][a-z]+\b/g, "NAME").replace(/\b(apples|pencils|stickers|cookies|marbles|cards|shells|stamps|pens?|notebooks?|balls?|cups?|toys?)\b/g, "ITEM");
    const problems = (split: Split) => bySplit[split].filter((s) => s.family === "math-text").map((s) => skeleton(s.question));
    for (const [a, b] of pairs) expect(overlap(problems(a), problems(b)), `${a}/${b}`).toEqual([]);
  });

  it("splitOfKey gives about 80 / 10 / 10 % and uses the key alone", () => {
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 20000; i++) counts[splitOfKey(`key ${i}`)]++;
    expect(counts.train / 20000).toBeCloseTo(0.8, 1);
    expect(counts.validation / 20000).toBeCloseTo(0.1, 1);
    expect(counts.test / 20000).toBeCloseTo(0.1, 1);
    expect(splitOfKey("same key")).toBe(splitOfKey("same key"));
  });

  it("MNIST_COUNTS matches the mnist package", () => {
    const mnist = createRequire(import.meta.url)("mnist") as { [d: number]: { raw: number[]; length: number } };
    for (let d = 0; d < 10; d++) {
      expect(mnist[d]!.length).toBe(MNIST_COUNTS[d]);
      expect(mnist[d]!.raw.length).toBe(MNIST_COUNTS[d]! * MNIST_SIDE * MNIST_SIDE);
    }
  });
});
