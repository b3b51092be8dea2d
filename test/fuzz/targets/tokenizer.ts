/**
 * Fuzz target: tokenizer JSON (a real vocabulary's `toJSON()`, as an object or as text)
 * with its tokens swapped, duplicated, dropped, retyped or re-cased, its format and version
 * changed, its text corrupted, or replaced by arbitrary JSON, through `Tokenizer.fromJSON`.
 * Only TokenizerError may come out; an accepted tokenizer must keep the documented layout
 * (specials first, "\n", `<image>`, `<tor>` last), round-trip through `toJSON`, and encode
 * and decode without throwing.
 */
import { LEADING_SPECIAL_TOKENS, Tokenizer, TokenizerError, buildTokenizer, type TokenizerJSON } from "../../../src/lib/data/tokenizer.ts";
import type { FuzzTarget } from "../harness.ts";
import { hostileValue, jsonText, mutateBytes, mutateValue, randomJson, show } from "../mutate.ts";
import type { Rand } from "../rand.ts";

let base: TokenizerJSON | undefined;

const TOKEN_EDITS = ["swap", "duplicate", "drop", "insert", "retype", "recase", "truncate", "specials"] as const;

function mutateTokens(rand: Rand, tokens: unknown[]): string {
  const i = rand.int(tokens.length);
  const j = rand.int(tokens.length);
  const op = rand.pick(TOKEN_EDITS);
  switch (op) {
    case "swap":
      [tokens[i], tokens[j]] = [tokens[j], tokens[i]];
      return `swap tokens ${i} and ${j}`;
    case "duplicate":
      tokens.splice(j, 0, tokens[i]);
      return `duplicate token ${i} at ${j}`;
    case "drop":
      tokens.splice(i, 1);
      return `drop token ${i}`;
    case "insert": {
      const t = rand.pick(["", " ", "a b", "ab1", "Hello", "1.5", "<tor>", "<image>", "<unk>", "\n", "\t", "ß", "é", "😀", "-", "--", "x".repeat(5000), "\ud800"]);
      tokens.splice(j, 0, t);
      return `insert ${show(t)} at ${j}`;
    }
    case "retype": {
      const v = hostileValue(rand);
      tokens[i] = v;
      return `token ${i} = ${show(v)}`;
    }
    case "recase":
      if (typeof tokens[i] === "string") tokens[i] = (tokens[i] as string).toUpperCase();
      return `upper-case token ${i}`;
    case "truncate": {
      const n = rand.pick([0, 1, 2, 6, 7, 8, 9]);
      tokens.length = Math.min(tokens.length, n);
      return `keep ${tokens.length} tokens`;
    }
    case "specials": {
      const k = rand.int(LEADING_SPECIAL_TOKENS.length);
      tokens.push(tokens.splice(k, 1)[0]);
      return `move special ${k} to the end`;
    }
  }
}

export const tokenizerTarget: FuzzTarget<unknown, Tokenizer> = {
  name: "tokenizer",
  about: "mutated tokenizer JSON (object or text) → Tokenizer.fromJSON",
  errors: [TokenizerError],
  ciCount: 500,
  async setup() {
    base ??= buildTokenizer(["What is 3 plus 4? The answer is 7.", "a red circle, a blue square; x = 2!"], { maxNumber: 12 }).toJSON();
  },
  generate(rand) {
    const json = structuredClone(base!) as unknown as Record<string, unknown>;
    const kind = rand.weighted([
      [5, "tokens"],
      [2, "fields"],
      [2, "text"],
      [1, "random"],
    ] as const);
    if (kind === "random") {
      const v = randomJson(rand, 3);
      return { input: v, label: `random ${show(v)}` };
    }
    if (kind === "fields") {
      const m = mutateValue(rand, { format: json.format, version: json.version }, ["tokens", "__proto__", "Format"]);
      return { input: { ...(m.value as object), tokens: json.tokens }, label: m.label };
    }
    const tokens = json.tokens as unknown[];
    const labels: string[] = [];
    for (let n = rand.range(1, 2); n > 0; n--) labels.push(mutateTokens(rand, tokens));
    if (kind === "text") {
      const m = mutateBytes(rand, new TextEncoder().encode(jsonText(json)));
      return { input: new TextDecoder().decode(m.value), label: `text ${m.label}` };
    }
    return { input: json, label: labels.join("; ") };
  },
  call: (json) => Tokenizer.fromJSON(json),
  check(outcome) {
    if (!outcome.ok) return null;
    const t = outcome.value;
    const n = t.vocabSize;
    if (t.id("<tor>") !== n - 1 || t.id("<image>") !== n - 2 || t.id("\n") !== LEADING_SPECIAL_TOKENS.length) return "special tokens out of place";
    if (JSON.stringify(Tokenizer.fromJSON(t.toJSON()).toJSON()) !== JSON.stringify(t.toJSON())) return "toJSON does not round-trip";
    const ids = t.encode("What is 3 plus 4?\n<tor> The answer is 7. <image>");
    if (ids.some((id) => !Number.isInteger(id) || id < 0 || id >= n)) return `encode gave ids outside the vocabulary: ${ids}`;
    t.decode(ids);
    return null;
  },
};
