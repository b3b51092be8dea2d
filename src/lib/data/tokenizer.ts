/**
 * A word-level tokenizer for the playground's tiny models, built from the training data.
 * (The real Meteor uses InternLM2's 92,544-piece SentencePiece vocabulary; ours has a few
 * hundred entries, so the embedding is not most of a tiny model.)
 *
 * Text is lower-cased and cut into: special tokens, "\n", words ([a-z]+), whole numbers
 * (\d+) and single punctuation or symbol characters. Numbers are kept whole, not split into
 * digits: the data's numbers are small, every answer then is a single token (the answer is
 * one prediction, its accuracy is exact-match on one id), and `decode` needs no rule for
 * re-gluing digits. Every integer 0…`maxNumber` is in the vocabulary even if the training
 * data lacks it; other words and larger numbers become `<unk>`.
 *
 * `decode` re-spaces text the way the generators write it — no space before . , ? ! ; :
 * nor around "\n" and the chat markers — so decode(encode(x)) = x.toLowerCase() for
 * generated questions, rationales, answers and prompts.
 */

import { showValue } from "../config-fields.ts";

export class TokenizerError extends Error {
  override name = "TokenizerError";
}

/**
 * Special tokens at fixed ids 0…5, then "\n" at 6. `<|im_start|>`/`<|im_end|>` are
 * InternLM2's chat markers (the spec's [start]/[end]).
 */
export const LEADING_SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"] as const;
/**
 * `<image>` and `<tor>` are always the last two ids, as in Meteor (added after InternLM2's
 * 92,544 pieces): the MLM's head has vocabSize − 2 rows and so can never emit them.
 */
export const TRAILING_SPECIAL_TOKENS = ["<image>", "<tor>"] as const;
export const SPECIAL_TOKENS = [...LEADING_SPECIAL_TOKENS, ...TRAILING_SPECIAL_TOKENS] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
export const NEWLINE = "\n";

const FORMAT = "meteor-word-tokenizer";
const VERSION = 1;

/** On-disk form: `tokens[id]` is the token with that id. */
export interface TokenizerJSON {
  format: typeof FORMAT;
  version: typeof VERSION;
  tokens: string[];
}

const PIECE = /<\|im_start\|>|<\|im_end\|>|<\/s>|<s>|<pad>|<unk>|<image>|<tor>|\n|[a-z]+|\d+|[^\sa-z\d]/gu;
/** Attach to the previous token (no space before). */
const CLOSING = new Set([".", ",", "?", "!", ";", ":"]);
/** No space on either side. */
const GLUED = new Set(["\n", "<pad>", "<s>", "</s>", "<image>", "<|im_start|>", "<|im_end|>"]);

/** The pieces of `text`, lower-cased; what `encode` maps to ids. */
export function splitPieces(text: string): string[] {
  return text.toLowerCase().match(PIECE) ?? [];
}

export interface BuildTokenizerOptions {
  /** Integers 0…maxNumber are always in the vocabulary. Default 100. */
  readonly maxNumber?: number;
  /** Pieces seen fewer times than this become `<unk>`. Default 1. */
  readonly minCount?: number;
}

export class Tokenizer {
  readonly tokens: readonly string[];
  readonly #ids: ReadonlyMap<string, number>;

  /** Prefer `buildTokenizer` or `Tokenizer.fromJSON`; `tokens` is checked as `fromJSON` checks it. */
  constructor(tokens: readonly string[]) {
    validateTokens(tokens);
    this.tokens = Object.freeze([...tokens]);
    this.#ids = new Map(tokens.map((t, i) => [t, i]));
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** The id of `token`; throws for a token not in the vocabulary. */
  id(token: string): number {
    const i = this.#ids.get(token);
    if (i === undefined) throw new TokenizerError(`token ${JSON.stringify(token)} is not in the vocabulary`);
    return i;
  }

  /** Ids of the pieces of `text`; special tokens written in the text are recognised. */
  encode(text: string): number[] {
    const unk = this.id("<unk>");
    return splitPieces(text).map((p) => this.#ids.get(p) ?? unk);
  }

  /** Text of `ids`, spaced as described above. */
  decode(ids: readonly number[]): string {
    let out = "";
    let prev: string | undefined;
    for (const id of ids) {
      const t = this.tokens[id];
      if (t === undefined) throw new TokenizerError(`id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      const space = prev !== undefined && !CLOSING.has(t) && !GLUED.has(t) && !GLUED.has(prev);
      out += (space ? " " : "") + t;
      prev = t;
    }
    return out;
  }

  toJSON(): TokenizerJSON {
    return { format: FORMAT, version: VERSION, tokens: [...this.tokens] };
  }

  /** Validates `json` (an object or its text) and names the first problem found. */
  static fromJSON(json: unknown): Tokenizer {
    let v = json;
    if (typeof v === "string") {
      try {
        v = JSON.parse(v);
      } catch (e) {
        throw new TokenizerError(`tokenizer JSON does not parse: ${(e as Error).message}`);
      }
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new TokenizerError("tokenizer JSON must be an object");
    const o = v as Record<string, unknown>;
    if (o.format !== FORMAT) throw new TokenizerError(`tokenizer format must be "${FORMAT}", got ${showValue(o.format)}`);
    if (o.version !== VERSION) throw new TokenizerError(`unsupported tokenizer version ${showValue(o.version)} (this build reads version ${VERSION})`);
    if (!Array.isArray(o.tokens)) throw new TokenizerError("tokenizer JSON: tokens must be an array of strings");
    return new Tokenizer(o.tokens as unknown[] as string[]);
  }
}

function validateTokens(tokens: readonly unknown[]): void {
  const seen = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (typeof t !== "string" || t.length === 0) throw new TokenizerError(`tokens[${i}] must be a non-empty string, got ${showValue(t)}`);
    const first = seen.get(t);
    if (first !== undefined) throw new TokenizerError(`token ${JSON.stringify(t)} appears twice (ids ${first} and ${i})`);
    seen.set(t, i);
  });
  LEADING_SPECIAL_TOKENS.forEach((s, i) => {
    if (tokens[i] !== s) throw new TokenizerError(`special token ${s} must have id ${i}, found ${showValue(tokens[i])}`);
  });
  const n = tokens.length;
  TRAILING_SPECIAL_TOKENS.forEach((s, j) => {
    const i = n - TRAILING_SPECIAL_TOKENS.length + j;
    if (tokens[i] !== s) throw new TokenizerError(`special token ${s} must have id ${i} (one of the last two), found ${showValue(tokens[i])}`);
  });
  if (tokens[LEADING_SPECIAL_TOKENS.length] !== NEWLINE) throw new TokenizerError(`"\\n" must have id ${LEADING_SPECIAL_TOKENS.length}`);
  for (const t of tokens.slice(LEADING_SPECIAL_TOKENS.length + 1, n - TRAILING_SPECIAL_TOKENS.length) as string[]) {
    const pieces = splitPieces(t);
    if (pieces.length !== 1 || pieces[0] !== t) throw new TokenizerError(`token ${JSON.stringify(t)} is not a single lower-case piece`);
  }
}

/**
 * A tokenizer whose vocabulary is the leading specials, "\n", the integers 0…maxNumber, every
 * other piece of `texts` seen at least `minCount` times, most frequent first (ties in
 * code-point order), and last `<image>`, `<tor>` — so the same texts always give the same ids. Pass the training split's
 * questions, rationales and answers, and the fixed prompt texts (system message, answer
 * suffix) if the model will see them.
 */
export function buildTokenizer(texts: Iterable<string>, options: BuildTokenizerOptions = {}): Tokenizer {
  const { maxNumber = 100, minCount = 1 } = options;
  const counts = new Map<string, number>();
  for (const text of texts) for (const p of splitPieces(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
  const fixed = [...LEADING_SPECIAL_TOKENS, NEWLINE, ...Array.from({ length: maxNumber + 1 }, (_, i) => String(i))];
  const inFixed = new Set<string>([...fixed, ...TRAILING_SPECIAL_TOKENS]);
  const rest = [...counts]
    .filter(([p, c]) => c >= minCount && !inFixed.has(p))
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .map(([p]) => p);
  return new Tokenizer([...fixed, ...rest, ...TRAILING_SPECIAL_TOKENS]);
}
