/** Small text helpers shared by the family templates. */

/** "3", "3 and 5", "3, 5 and 7". */
export function listing(items: readonly (string | number)[]): string {
  const s = items.map(String);
  if (s.length <= 1) return s.join("");
  return `${s.slice(0, -1).join(", ")} and ${s[s.length - 1]}`;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"] as const;

/** 0 → "first", 1 → "second", … */
export function ordinal(i: number): string {
  const w = ORDINALS[i];
  if (!w) throw new RangeError(`no ordinal word for position ${i}`);
  return w;
}

const COUNT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"] as const;

/** 3 → "three" (used for sizes of things in the image, not for answers). */
export function countWord(n: number): string {
  const w = COUNT_WORDS[n];
  if (!w) throw new RangeError(`no count word for ${n}`);
  return w;
}

/** "shape" / "shapes" by count. */
export const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

/** Capitalises the first letter. */
export const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Joins sentences with single spaces. */
export const sentences = (...parts: readonly string[]): string => parts.filter((p) => p.length > 0).join(" ");

/** Words as `insertTor` counts them (whitespace-separated). */
export const wordCount = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length;
