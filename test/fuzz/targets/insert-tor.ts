/**
 * Fuzz target: rationales of every length around the `<tor>` limit through `insertTor`
 * (default and `officialQuirk`) and `placeTor` (even, start, end, random).
 *
 * The first GRID inputs enumerate count 2…15 × words 3·(count−1) − 3 … + 3 × six
 * whitespace styles (spaces, tabs and newlines, runs with leading/trailing space, Unicode
 * spaces, CRLF, blank lines) × the six functions; later ones are random, including invalid
 * counts, rationales that already hold `<tor>` and unknown placements.
 *
 * Checked against the documented rule (insert-tor.ts): null exactly when there are fewer
 * than 3·(count−1) words; otherwise exactly `count` `<tor>`, the words unchanged and in
 * order, and the `<tor>`s where the placement puts them (even: before words 0, gap, …,
 * (count−2)·gap and after the last word, gap = ⌊words/(count−1)⌋; the official string glues
 * them and the last two words). RangeError exactly for a count that is not an integer ≥ 2,
 * a rationale that already contains `<tor>`, or an unknown placement.
 */
import { TOR, insertTor, placeTor, type TorPlacement } from "../../../src/lib/data/insert-tor.ts";
import type { FuzzTarget } from "../harness.ts";
import { show } from "../mutate.ts";
import type { Rand } from "../rand.ts";

type Fn = "insertTor" | "officialQuirk" | TorPlacement;
const FNS: readonly Fn[] = ["insertTor", "officialQuirk", "even", "start", "end", "random"];

interface TorInput {
  fn: Fn | "bad-placement";
  count: number;
  rationale: string;
  words: string[];
  seed: number;
}

const WORDS = ["The", "answer", "is", "7.", "3", "+", "4", "=", "so", "red", "circle,", "(x)", "é", "ß", "a-b", "1.5", "<tor", "tor>", "\u200b"];
/** Whitespace that both JavaScript's \s and Python's str.split() treat as a separator. */
const SPACES = [" ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\v", "\f"];

const COUNTS = Array.from({ length: 14 }, (_, i) => i + 2);
const DELTAS = [-3, -2, -1, 0, 1, 2, 3];
const STYLES = 6;
export const TOR_GRID = COUNTS.length * DELTAS.length * STYLES * FNS.length;

function join(rand: Rand, words: readonly string[], style: number): string {
  const sep = (): string => {
    switch (style) {
      case 0:
        return " ";
      case 1:
        return rand.pick(["\t", "\n", " \t "]);
      case 2:
        return " ".repeat(rand.range(1, 4));
      case 3:
        return rand.pick(SPACES);
      case 4:
        return rand.pick([" ", "\r\n"]);
      default:
        return rand.pick([" ", "\n\n", " \n \n "]);
    }
  };
  const edge = style === 2 || style === 5 ? () => rand.pick(["", " ", "\n", "  \t"]) : () => "";
  return edge() + words.map((w, i) => (i === 0 ? w : sep() + w)).join("") + edge();
}

function call({ fn, count, rationale, seed }: TorInput): string | null {
  if (fn === "insertTor") return insertTor(rationale, count);
  if (fn === "officialQuirk") return insertTor(rationale, count, { officialQuirk: true });
  if (fn === "bad-placement") return placeTor(rationale, { count, placement: "middle" as TorPlacement, seed });
  return placeTor(rationale, { count, placement: fn, seed });
}

/** The tokens the documented even placement gives. */
function evenTokens(words: readonly string[], count: number): string[] {
  const gap = Math.floor(words.length / (count - 1));
  const before = new Set(Array.from({ length: count - 1 }, (_, k) => k * gap));
  return [...words.flatMap((w, i) => (before.has(i) ? [TOR, w] : [w])), TOR];
}

const occurrences = (s: string, sub: string): number => s.split(sub).length - 1;

export const insertTorTarget: FuzzTarget<TorInput, string | null> = {
  name: "insert-tor",
  about: "rationales around the 3·(count−1)-word limit → insertTor / placeTor",
  errors: [RangeError],
  ciCount: TOR_GRID + 400,
  generate(rand, index) {
    if (index < TOR_GRID) {
      let k = index;
      const fn = FNS[k % FNS.length]!;
      k = Math.floor(k / FNS.length);
      const style = k % STYLES;
      k = Math.floor(k / STYLES);
      const d = DELTAS[k % DELTAS.length]!;
      const count = COUNTS[Math.floor(k / DELTAS.length)]!;
      const n = Math.max(0, 3 * (count - 1) + d);
      const words = Array.from({ length: n }, () => rand.pick(WORDS));
      const rationale = join(rand, words, style);
      return { input: { fn, count, rationale, words, seed: rand.int(1000) }, label: `${fn} count ${count}, ${n} words, style ${style}: ${show(rationale)}` };
    }
    const count = rand.chance(0.7) ? rand.range(2, 40) : rand.pick([0, 1, -2, 1.5, NaN, Infinity, 1e9, 2 ** 31]);
    const words = Array.from({ length: rand.int(3 * 40) }, () => rand.pick(WORDS));
    if (rand.chance(0.05) && words.length > 0) words[rand.int(words.length)] = rand.pick([TOR, `x${TOR}y`]);
    const fn = rand.chance(0.03) ? "bad-placement" : rand.pick(FNS);
    const rationale = join(rand, words, rand.int(STYLES));
    return { input: { fn, count, rationale, words, seed: rand.int(1000) }, label: `${fn} count ${count}, ${words.length} words: ${show(rationale)}` };
  },
  call,
  check(outcome, { fn, count, rationale, words }) {
    const badCount = !Number.isInteger(count) || count < 2;
    const hasTor = rationale.includes(TOR);
    const tooShort = !badCount && words.length < 3 * (count - 1);
    if (!outcome.ok) {
      const expected = badCount || hasTor || (fn === "bad-placement" && !tooShort);
      return expected ? null : `unexpected ${outcome.error.constructor.name}: ${outcome.error.message}`;
    }
    if (badCount || hasTor) return `returned ${show(outcome.value)} for count ${count}${hasTor ? " and a rationale holding <tor>" : ""}`;
    const out = outcome.value;
    if (tooShort) return out === null ? null : `${words.length} words < 3·(${count}−1) but got ${show(out)}`;
    if (out === null) return `${words.length} words ≥ 3·(${count}−1) but got null`;
    if (fn === "bad-placement") return `unknown placement accepted: ${show(out)}`;
    if (occurrences(out, TOR) !== count) return `${occurrences(out, TOR)} <tor> in ${show(out)}, expected ${count}`;
    if (fn === "officialQuirk") {
      // The official string, built from the Python quoted in insert-tor.ts.
      const gap = Math.floor(words.length / (count - 1));
      let want = "";
      let placed = 0;
      words.forEach((w, i) => {
        if (i > 0 && i < words.length - 1) want += " ";
        if (i % gap === 0 && placed !== count - 1) {
          want += TOR;
          placed++;
        }
        want += w;
      });
      want += TOR;
      return out === want ? null : `officialQuirk gave ${show(out)}, expected ${show(want)}`;
    }
    const tokens = out.split(" ");
    if (tokens.some((t) => t === "")) return `empty token (double space) in ${show(out)}`;
    const bare = tokens.filter((t) => t !== TOR);
    if (bare.join("\u0001") !== words.join("\u0001")) return `words changed: ${show(out)}`;
    const want =
      fn === "insertTor" || fn === "even" ? evenTokens(words, count)
      : fn === "start" ? [...Array<string>(count).fill(TOR), ...words]
      : fn === "end" ? [...words, ...Array<string>(count).fill(TOR)]
      : null;
    if (want !== null) return tokens.join(" ") === want.join(" ") ? null : `${fn} placement ${show(out)}, expected ${show(want.join(" "))}`;
    return tokens.some((t, i) => t === TOR && tokens[i + 1] === TOR) ? `random placement put two <tor> at one boundary: ${show(out)}` : null;
  },
};
