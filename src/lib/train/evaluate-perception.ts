/**
 * How well the vision encoder reads: the perception head's loss and its accuracy over every
 * applicable (image, fact slot) pair of `items` (argmax = label), per slot as well.
 */
import * as tf from "../tf.ts";
import { buildPerceptionBatch, type BatchItem } from "../meteor/batch.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { structureParams } from "../meteor/params.ts";
import { factAccuracy, factLoss } from "../vision/fact-head.ts";
import { perceptionLogits } from "./step.ts";

export interface PerceptionResult {
  n: number;
  loss: number;
  /** Correct fact slots over applicable ones. */
  accuracy: number;
  slots: { slot: string; correct: number; n: number }[];
}

export async function evaluatePerception(
  cfg: MeteorConfig,
  vars: Readonly<Record<string, tf.Tensor>>,
  items: readonly BatchItem[],
  batchSize: number,
): Promise<PerceptionResult> {
  const params = structureParams(vars);
  const slots = new Map<string, { correct: number; n: number }>();
  let lossSum = 0;
  let n = 0;
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = buildPerceptionBatch(items.slice(i, i + batchSize));
    const logits = perceptionLogits(params, cfg, batch);
    const loss = factLoss(logits, batch.facts);
    lossSum += (await loss.data())[0]! * batch.images.count;
    n += batch.images.count;
    for (const s of await factAccuracy(logits, batch.facts)) {
      const t = slots.get(s.slot) ?? { correct: 0, n: 0 };
      slots.set(s.slot, { correct: t.correct + s.correct, n: t.n + s.n });
    }
    tf.dispose([logits, loss]);
  }
  const all = [...slots.values()].reduce((a, b) => ({ correct: a.correct + b.correct, n: a.n + b.n }), { correct: 0, n: 0 });
  return { n, loss: n ? lossSum / n : Number.NaN, accuracy: all.n ? all.correct / all.n : Number.NaN, slots: [...slots].map(([slot, v]) => ({ slot, ...v })) };
}
