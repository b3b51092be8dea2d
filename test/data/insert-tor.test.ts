import { describe, expect, it } from "vitest";
import { insertTor, placeTor } from "../../src/lib/data/insert-tor.ts";

/** "w0 w1 … w{n-1}" */
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
const torCount = (s: string) => s.split("<tor>").length - 1;

describe("insertTor (official insert_tor placement)", () => {
  it("27 words, 10 <tor>: gap 3, <tor> before words 0, 3, …, 24 and one at the end", () => {
    // gap = floor(27 / 9) = 3; nine <tor> before w0 w3 w6 … w24, the tenth after w26
    expect(insertTor(words(27), 10)).toBe(
      "<tor> w0 w1 w2 <tor> w3 w4 w5 <tor> w6 w7 w8 <tor> w9 w10 w11 <tor> w12 w13 w14 " +
        "<tor> w15 w16 w17 <tor> w18 w19 w20 <tor> w21 w22 w23 <tor> w24 w25 w26 <tor>",
    );
  });

  it("rejects fewer than 3·(count−1) words", () => {
    expect(insertTor(words(26), 10)).toBeNull(); // gap = floor(26 / 9) = 2
    expect(insertTor(words(5), 2)).toBe("<tor> w0 w1 w2 w3 w4 <tor>"); // gap 5
    expect(insertTor(words(3), 2)).toBe("<tor> w0 w1 w2 <tor>"); // gap 3
    expect(insertTor(words(2), 2)).toBeNull(); // gap 2
    expect(insertTor("", 10)).toBeNull();
  });

  it("leaves the remainder words after the last even <tor> (31 words, count 10: gap 3)", () => {
    // positions 0, 3, …, 24 only (count − 1 = 9 of them); w27 … w30 follow without a <tor>
    const out = insertTor(words(31), 10)!;
    expect(out.endsWith("<tor> w24 w25 w26 w27 w28 w29 w30 <tor>")).toBe(true);
    expect(torCount(out)).toBe(10);
  });

  it("count 3 on 7 words: gap 3, <tor> before w0 and w3 only (not w6), then the end", () => {
    expect(insertTor(words(7), 3)).toBe("<tor> w0 w1 w2 <tor> w3 w4 w5 w6 <tor>");
  });

  it("collapses any whitespace, as Python's str.split() does", () => {
    expect(insertTor("  a b\n\nc \t d  e f ", 3)).toBe("<tor> a b c <tor> d e f <tor>");
  });

  it("officialQuirk reproduces the official string byte for byte", () => {
    // hand-run of the official loop: ' ' only for 0 < i < n−1, '<tor>' glued to the next word,
    // the last word glued to the one before, the final '<tor>' glued to it
    expect(insertTor("a b c d e f", 3, { officialQuirk: true })).toBe("<tor>a b c <tor>d ef<tor>");
    expect(insertTor(words(3), 2, { officialQuirk: true })).toBe("<tor>w0 w1w2<tor>");
    const q = insertTor(words(27), 10, { officialQuirk: true })!;
    expect(q.startsWith("<tor>w0 w1 w2 <tor>w3")).toBe(true);
    expect(q.endsWith("<tor>w24 w25w26<tor>")).toBe(true);
    expect(insertTor(words(26), 10, { officialQuirk: true })).toBeNull();
  });

  it("refuses a count below 2 and a rationale that already holds <tor>", () => {
    expect(() => insertTor(words(30), 1)).toThrow(RangeError);
    expect(() => insertTor(`${words(30)} <tor>`, 10)).toThrow(/already contains/);
  });
});

describe("placeTor (the paper's position ablation)", () => {
  const r = words(27);

  it("even is insertTor", () => {
    expect(placeTor(r, { placement: "even" })).toBe(insertTor(r, 10));
    expect(placeTor(r)).toBe(insertTor(r, 10));
  });

  it("start puts every <tor> before the first word; end after the last word", () => {
    expect(placeTor(words(6), { count: 2, placement: "start" })).toBe("<tor> <tor> w0 w1 w2 w3 w4 w5");
    expect(placeTor(words(6), { count: 2, placement: "end" })).toBe("w0 w1 w2 w3 w4 w5 <tor> <tor>");
    const end = placeTor(r, { placement: "end" })!;
    expect(end.indexOf("<tor>")).toBe(end.indexOf("w26") + "w26 ".length);
    expect(torCount(end)).toBe(10);
  });

  it("random: count distinct boundaries, sorted, repeatable from the seed", () => {
    const a = placeTor(r, { placement: "random", seed: 7 })!;
    expect(a).toBe(placeTor(r, { placement: "random", seed: 7 }));
    expect(a).not.toBe(placeTor(r, { placement: "random", seed: 8 }));
    expect(torCount(a)).toBe(10);
    expect(a.split(" ").filter((t) => t !== "<tor>").join(" ")).toBe(r); // words kept in order
    expect(a).not.toMatch(/<tor> <tor>/); // distinct boundaries
  });

  it("random: each rationale gets its own positions, even among rationales of one length", () => {
    const pattern = (s: string) => s.split(" ").map((t) => (t === "<tor>" ? "T" : "w")).join("");
    const rationales = Array.from({ length: 20 }, (_, k) => words(40).replaceAll("w", `v${k}_`));
    const patterns = new Set(rationales.map((x) => pattern(placeTor(x, { placement: "random", seed: 3 })!)));
    // 41 boundaries choose 10: twenty rationales drawing the same pattern twice is vanishingly rare
    expect(patterns.size).toBe(20);
  });

  it("rejects exactly what insertTor rejects, for every placement", () => {
    for (const placement of ["even", "start", "end", "random"] as const) {
      expect(placeTor(words(26), { placement })).toBeNull();
      expect(placeTor(words(27), { placement })).not.toBeNull();
    }
  });
});
