/**
 * `meteor train`'s integer flags, checked before anything runs so that the message names the
 * flag (the run config checks the values again, by field name, wherever they come from).
 */
import { intFlag } from "./args.ts";

/** Flag → smallest value: counts and seeds; the run config's own minimums still apply. */
const INTEGER_FLAGS: Record<string, number> = {
  seed: 0,
  "steps-pretrain": 0,
  "steps-embed": 0,
  "steps-answer": 0,
  batch: 1,
  "num-tor": 1,
  "train-size": 1,
  "checkpoint-every": 1,
};

/** Throws a UsageError naming the first integer flag whose value is not an integer in range. */
export function checkTrainFlags(values: Record<string, string | boolean | undefined>): void {
  for (const [flag, min] of Object.entries(INTEGER_FLAGS)) intFlag(flag, values[flag], min);
}
