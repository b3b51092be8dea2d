import { describe, expect, it } from "vitest";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { insertTor } from "../../src/lib/data/insert-tor.ts";
import { LEADING_SPECIAL_TOKENS, Tokenizer, TokenizerError, buildTokenizer, splitPieces } from "../../src/lib/data/tokenizer.ts";

const train = generateDataset({ n: 800, seed: 11, split: "train" });
const texts = train.flatMap((s) => [s.question, s.rationale, s.answer]);
const tok = buildTokenizer(texts);

describe("word tokenizer", () => {
  it("puts the leading specials at fixed ids, then \\n, the numbers 0…100, and <image>, <tor> last", () => {
    LEADING_SPECIAL_TOKENS.forEach((s, i) => expect(tok.id(s)).toBe(i));
    expect(tok.id("<pad>")).toBe(0);
    expect(tok.id("\n")).toBe(6);
    expect(tok.id("0")).toBe(7);
    expect(tok.id("100")).toBe(107);
    // the MLM head has vocabSize − 2 rows: these two can never be emitted
    expect(tok.id("<image>")).toBe(tok.vocabSize - 2);
    expect(tok.id("<tor>")).toBe(tok.vocabSize - 1);
    expect(tok.vocabSize).toBeGreaterThan(200);
    expect(tok.vocabSize).toBeLessThan(600); // a modest vocabulary for tiny models
  });

  it("splits words, whole numbers and punctuation; lower-cases; recognises special tokens", () => {
    expect(splitPieces("What is 7 + 12?")).toEqual(["what", "is", "7", "+", "12", "?"]);
    expect(splitPieces("<s><|im_start|>user\n<image>\nHi.<|im_end|>")).toEqual(["<s>", "<|im_start|>", "user", "\n", "<image>", "\n", "hi", ".", "<|im_end|>"]);
    const ids = tok.encode("The red bar <tor> is 7.");
    expect(ids).toEqual(["the", "red", "bar", "<tor>", "is", "7", "."].map((t) => tok.id(t)));
  });

  it("maps unknown words and numbers above the range to <unk>", () => {
    const unk = tok.id("<unk>");
    expect(tok.encode("the zebra is 12345")).toEqual([tok.id("the"), unk, tok.id("is"), unk]);
  });

  it("round-trips generated data: decode(encode(x)) = x lower-cased", () => {
    const held = train.slice(0, 200);
    for (const s of held) {
      for (const x of [s.question, s.rationale, s.answer, insertTor(s.rationale, 10)!]) {
        expect(tok.decode(tok.encode(x))).toBe(x.toLowerCase());
      }
    }
    const prompt = `<s><|im_start|>user\n<image>\n${held[0]!.question}<|im_end|>\n<|im_start|>rationale\n${insertTor(held[0]!.rationale)}<|im_end|>\n</s>`;
    const withPrompt = buildTokenizer([...texts, "user rationale"]);
    expect(withPrompt.decode(withPrompt.encode(prompt))).toBe(prompt.toLowerCase());
  });

  it("answers are single tokens", () => {
    for (const s of train) expect(tok.encode(s.answer)).toHaveLength(1);
  });

  it("is deterministic: same texts → same vocabulary; JSON round trip", () => {
    expect(buildTokenizer(texts).tokens).toEqual(tok.tokens);
    const back = Tokenizer.fromJSON(JSON.stringify(tok.toJSON()));
    expect(back.tokens).toEqual(tok.tokens);
    expect(Tokenizer.fromJSON(tok.toJSON()).encode(train[0]!.rationale)).toEqual(tok.encode(train[0]!.rationale));
  });

  it("validates JSON on load and names the problem", () => {
    const good = tok.toJSON();
    const bad = (patch: object) => () => Tokenizer.fromJSON({ ...good, ...patch });
    expect(() => Tokenizer.fromJSON("{not json")).toThrow(/does not parse/);
    expect(() => Tokenizer.fromJSON([1, 2])).toThrow(/must be an object/);
    expect(bad({ format: "bpe" })).toThrow(/format must be "meteor-word-tokenizer"/);
    expect(bad({ version: 2 })).toThrow(/unsupported tokenizer version 2/);
    expect(bad({ tokens: "abc" })).toThrow(/tokens must be an array/);
    expect(bad({ tokens: ["<s>", ...good.tokens.slice(1)] })).toThrow(/appears twice/);
    expect(bad({ tokens: ["<s>", "<pad>", ...good.tokens.slice(2)] })).toThrow(/special token <pad> must have id 0/);
    const body = good.tokens.slice(0, -2);
    expect(bad({ tokens: [...body, 7, "<image>", "<tor>"] })).toThrow(/tokens\[\d+\] must be a non-empty string/);
    expect(bad({ tokens: [...body, "Two words", "<image>", "<tor>"] })).toThrow(/not a single lower-case piece/);
    expect(bad({ tokens: [...body, "<tor>", "<image>"] })).toThrow(/special token <image> must have id \d+ \(one of the last two\)/);
    expect(bad({ tokens: good.tokens.filter((t) => t !== "\n") })).toThrow(/"\\n" must have id 6/);
    expect(() => Tokenizer.fromJSON({ ...good, tokens: [...good.tokens] })).not.toThrow();
    for (const f of [bad({ version: 2 }), bad({ tokens: "abc" })]) expect(f).toThrow(TokenizerError);
  });

  it("refuses ids outside the vocabulary and tokens it does not know", () => {
    expect(() => tok.decode([tok.vocabSize])).toThrow(/outside the vocabulary/);
    expect(() => tok.id("zebra")).toThrow(TokenizerError);
  });
});
