/**
 * Where the `<tor>` ("traversal of rationale") tokens go in a rationale (spec §3).
 *
 * `insertTor` mirrors `insert_tor(sentence, tor_count)` of the official code
 * (ByungKwanLee/Meteor, `utils/utils.py`), used for training step 1:
 *
 *     words = sentence.split(); gap = len(words) // (tor_count - 1)
 *     if 0 <= gap <= 2: return False
 *     for i, word in enumerate(words):
 *         if 0 < i < len(words) - 1: result += ' '
 *         if i % gap == 0 and count != tor_count - 1: result += '<tor>'; count += 1
 *         result += word
 *     result += '<tor>'
 *
 * Placement: `<tor>` before words 0, gap, 2·gap, … (count − 1 of them) and one after the
 * last word; fewer than 3·(count − 1) words → rejected (here `null`).
 *
 * The official string, reproduced byte for byte by `{ officialQuirk: true }`:
 * - each `<tor>` is glued to the word after it ("<tor>The"), and the final one to the last
 *   word ("…is<tor>" — there is no space before it);
 * - no space is put before the last word, so the last two words are glued together:
 *   "a b c … so the answer is 7." ends "…the answer is7.<tor>".
 * By default we diverge and join every word and every `<tor>` with single spaces
 * ("<tor> a b c <tor> d … is 7. <tor>"): the same placement without the lost word boundary.
 * Like the official function, words are whatever `split()` yields, so newlines collapse.
 * The official code also asserts the result holds exactly `count` `<tor>`, which fails when
 * the rationale itself contains "<tor>"; we throw a RangeError for such input.
 */
import { mulberry32 } from "../random.ts";

export const TOR = "<tor>";

export interface InsertTorOptions {
  /** Reproduce the official string exactly (glued `<tor>`s and glued last word). Default false. */
  readonly officialQuirk?: boolean;
}

function words(rationale: string, count: number): string[] | null {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`<tor> count must be an integer ≥ 2, got ${count}`);
  if (rationale.includes(TOR)) throw new RangeError("the rationale already contains <tor>");
  const ws = rationale.split(/\s+/).filter((w) => w.length > 0);
  const gap = Math.floor(ws.length / (count - 1));
  return gap <= 2 ? null : ws;
}

/** `count` evenly spaced `<tor>` (see above), or null when the rationale has fewer than 3·(count−1) words. */
export function insertTor(rationale: string, count = 10, options: InsertTorOptions = {}): string | null {
  const ws = words(rationale, count);
  if (!ws) return null;
  const gap = Math.floor(ws.length / (count - 1));
  if (options.officialQuirk) {
    let out = "";
    let placed = 0;
    ws.forEach((w, i) => {
      if (i > 0 && i < ws.length - 1) out += " ";
      if (i % gap === 0 && placed !== count - 1) {
        out += TOR;
        placed++;
      }
      out += w;
    });
    return out + TOR;
  }
  const out: string[] = [];
  ws.forEach((w, i) => {
    if (i % gap === 0 && i / gap < count - 1) out.push(TOR);
    out.push(w);
  });
  out.push(TOR);
  return out.join(" ");
}

/** FNV-1a over the words, started from `seed`: a 32-bit seed per (seed, text). */
function textSeed(seed: number, ws: readonly string[]): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const w of ws) {
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0x20, 0x01000193) >>> 0; // the space between words
  }
  return h;
}

/**
 * The placements of the paper's ablation (Table 3, "`<tor>` position"):
 * - "even": `insertTor` (the paper's choice);
 * - "start": all `count` `<tor>` before the first word;
 * - "end": all `count` `<tor>` after the last word;
 * - "random": at `count` distinct word boundaries (before word 0 … after the last word),
 *   in order, drawn from `seed` and the rationale's words: every rationale gets its own
 *   positions, and the same rationale always the same ones for one seed.
 */
export type TorPlacement = "even" | "start" | "end" | "random";

export interface PlaceTorOptions {
  /** How many `<tor>`. Default 10 (the paper's). */
  readonly count?: number;
  /** Default "even". */
  readonly placement?: TorPlacement;
  /** Seed of the "random" placement. Default 0. */
  readonly seed?: number;
}

/**
 * `count` `<tor>` placed as asked, words joined by single spaces. Every placement rejects
 * (null) exactly the rationales that `insertTor` rejects, so the ablation arms train on the
 * same samples.
 */
export function placeTor(rationale: string, options: PlaceTorOptions = {}): string | null {
  const { count = 10, placement = "even", seed = 0 } = options;
  if (placement === "even") return insertTor(rationale, count);
  const ws = words(rationale, count);
  if (!ws) return null;
  const tors = Array<string>(count).fill(TOR);
  switch (placement) {
    case "start":
      return [...tors, ...ws].join(" ");
    case "end":
      return [...ws, ...tors].join(" ");
    case "random": {
      // boundary b ∈ [0, n]: before word b (b = n: after the last word); `count` distinct, sorted
      const rng = mulberry32(textSeed(seed, ws));
      const boundaries = Array.from({ length: ws.length + 1 }, (_, b) => b);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(rng() * (boundaries.length - i));
        [boundaries[i], boundaries[j]] = [boundaries[j]!, boundaries[i]!];
      }
      const chosen = new Set(boundaries.slice(0, count));
      const out: string[] = [];
      for (let b = 0; b <= ws.length; b++) {
        if (chosen.has(b)) out.push(TOR);
        if (b < ws.length) out.push(ws[b]!);
      }
      return out.join(" ");
    }
    default:
      throw new RangeError(`unknown <tor> placement "${placement as string}"`);
  }
}
