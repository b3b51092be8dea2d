/** Accuracy with Wilson 95% intervals, overall and per group (family, tier), from per-item correctness. */
import { wilson95 } from "./evaluate.ts";

export interface Score {
  accuracy: number;
  ci95: [number, number];
  n: number;
}

/** The score of the items at `idx`. */
export function scoreOf(correct: readonly boolean[], idx: readonly number[]): Score {
  const k = idx.filter((i) => correct[i]).length;
  return { accuracy: idx.length ? k / idx.length : Number.NaN, ci95: wilson95(k, idx.length), n: idx.length };
}

/** Scores per value of `key` (in first-seen order), e.g. per family. */
export function scoresBy<T>(correct: readonly boolean[], items: readonly T[], key: (item: T) => string): Record<string, Score> {
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const k = key(it);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return Object.fromEntries([...groups].map(([k, idx]) => [k, scoreOf(correct, idx)]));
}
