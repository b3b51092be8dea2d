/**
 * The template prior: the best a model can do without reading the image or doing the
 * arithmetic — for each (family, question template), the answer most often right on the
 * training data. A model scoring at this level has learnt only which answers each kind of
 * question tends to have; the playground reports it beside every accuracy.
 */
import type { Family } from "../data/sample.ts";

/** What the prior needs of a sample. */
export interface PriorSample {
  readonly family: Family;
  readonly template: string;
  readonly answer: string;
  readonly tier?: string;
}

/** (family, template) → its most frequent training answer (ties: the answer that sorts first). */
export type TemplatePrior = ReadonlyMap<string, string>;

const keyOf = (s: Pick<PriorSample, "family" | "template">) => `${s.family}|${s.template}`;

export function fitTemplatePrior(train: readonly PriorSample[]): TemplatePrior {
  const counts = new Map<string, Map<string, number>>();
  for (const s of train) {
    const c = counts.get(keyOf(s)) ?? new Map<string, number>();
    c.set(s.answer, (c.get(s.answer) ?? 0) + 1);
    counts.set(keyOf(s), c);
  }
  const prior = new Map<string, string>();
  for (const [k, c] of counts) {
    const best = [...c].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]!;
    prior.set(k, best[0]);
  }
  return prior;
}

/** Per sample: whether the prior's answer is right (a template never seen in training: wrong). */
export function priorCorrect(prior: TemplatePrior, samples: readonly PriorSample[]): boolean[] {
  return samples.map((s) => prior.get(keyOf(s)) === s.answer);
}
