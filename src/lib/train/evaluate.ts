/**
 * Answer accuracy: greedy exact match, scored in one teacher-forced forward per batch (see
 * `greedyExactMatch`: identical to comparing greedy decoding with the answer), with Wilson
 * 95% intervals. The "rationale" system first writes its own rationale (greedy decoding,
 * one sample at a time); its answer is then scored the same way after that rationale.
 */
import * as tf from "../tf.ts";
import { buildAnswerAfterRationaleBatch, buildBatch, type BatchItem, type TokenizerLike } from "../meteor/batch.ts";
import { generate } from "../meteor/generate.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { meteorLogits } from "../meteor/model.ts";
import { structureParams } from "../meteor/params.ts";
import { greedyExactMatch, maskedCrossEntropy } from "./loss.ts";
import type { System } from "./stages.ts";

export interface EvalResult {
  n: number;
  /** Mean target cross-entropy. */
  loss: number;
  /** Fraction of exact greedy answers (answer stage only). */
  accuracy?: number;
  /** Per item, in order (answer stage only). */
  correct?: boolean[];
}

export async function evaluate(
  cfg: MeteorConfig,
  vars: Readonly<Record<string, tf.Tensor>>,
  tokenizer: TokenizerLike,
  items: readonly BatchItem[],
  opts: {
    system: System;
    batchSize: number;
    /** "rationale" system: the longest rationale it may write before answering (tokens). Default 160. */
    maxRationaleTokens?: number;
  },
): Promise<Required<EvalResult>> {
  const correct: boolean[] = [];
  let lossSum = 0;
  const params = structureParams(vars);
  /** The "rationale" system's own rationales, greedy, one sample at a time. */
  const writeRationales = async (chunk: readonly BatchItem[]): Promise<number[][]> => {
    const out: number[][] = [];
    for (const it of chunk) out.push((await generate(params, cfg, tokenizer, it, { system: "rationale", maxTokens: opts.maxRationaleTokens ?? 160 })).ids);
    return out;
  };
  for (let i = 0; i < items.length; i += opts.batchSize) {
    const chunk = items.slice(i, i + opts.batchSize);
    const batch =
      opts.system === "rationale"
        ? buildAnswerAfterRationaleBatch(chunk, tokenizer, await writeRationales(chunk), { numPatches: cfg.vision.numPatches })
        : buildBatch(chunk, tokenizer, { system: opts.system, stage: "answer", numTor: cfg.numTor, numPatches: cfg.vision.numPatches });
    const logits = meteorLogits(params, cfg, batch);
    correct.push(...(await greedyExactMatch(logits, batch.mlm.targets!)));
    const loss = maskedCrossEntropy(logits, batch.mlm.targets!);
    lossSum += (await loss.data())[0]! * chunk.length;
    tf.dispose([logits, loss]);
  }
  const n = items.length;
  return { n, loss: n ? lossSum / n : Number.NaN, accuracy: n ? correct.filter(Boolean).length / n : Number.NaN, correct };
}

/** Wilson score interval at 95% for k successes in n trials. */
export function wilson95(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
