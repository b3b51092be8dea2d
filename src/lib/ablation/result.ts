/**
 * A finished cell's record, as the cache stores it (`cells/<key>/result.json`) and the
 * sweep's report reads it. Accuracy is exact match on the test split, overall and per
 * family, with the number of items so intervals can be formed later.
 */
import type { Stage } from "../train/stages.ts";
import type { RunConfigInput } from "../train/run-config.ts";

export const CELL_RESULT_FORMAT = 1;

export interface Score {
  accuracy: number;
  correct: number;
  n: number;
}

export interface StageTiming {
  steps: number;
  seconds: number;
  /** Tokens the models read (MLM + embedder positions, no padding). */
  inputTokens: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  backend: string;
}

export interface CellResult {
  format: typeof CELL_RESULT_FORMAT;
  codeVersion: number;
  key: string;
  pretrainKey: string;
  seed: number;
  run: RunConfigInput;
  parameters: Record<string, number>;
  /**
   * Test scores; `tiers` and `correct` (per question, 1 or 0, in test order: what paired
   * per-question comparisons need) from code version 2 on.
   */
  test: { loss: number; overall: Score; families: Record<string, Score>; tiers?: Record<string, Score>; correct?: number[] };
  /** The same questions with blank images (code version 2 on). */
  blankImages?: { overall: Score; correct: number[] };
  /** Per stage; the pretrain's is the cached pretrain's own (it ran once for many cells). */
  timing: Partial<Record<Stage, StageTiming>>;
  /** Wall seconds of all stages (pretrain included) and of scoring the test split. */
  trainSeconds: number;
  evalSeconds: number;
  /** Input tokens per second over all stages. */
  tokensPerSecond: number;
  /** SHA-256 of the final weights (names sorted, float32 bytes): equal runs, equal digests. */
  weightsDigest: string;
  /** Whether this process trained the pretrain stage or took it from the cache. */
  pretrainCached: boolean;
  command: string;
  commit: string;
  machine: MachineInfo;
  finishedAt: string;
}

export class AblationCacheError extends Error {
  override name = "AblationCacheError";
}

/** Parses and checks a result file's text; a problem is an AblationCacheError naming `source`. */
export function parseCellResult(text: string, source: string, expectedKey?: string): CellResult {
  let v: CellResult;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new AblationCacheError(`corrupt cache file ${source}: not JSON (${(e as Error).message}); delete it to recompute the cell`);
  }
  const bad = (why: string) => new AblationCacheError(`corrupt cache file ${source}: ${why}; delete it to recompute the cell`);
  if (v === null || typeof v !== "object") throw bad("not an object");
  if (v.format !== CELL_RESULT_FORMAT) throw bad(`format ${JSON.stringify(v.format)}, expected ${CELL_RESULT_FORMAT}`);
  if (typeof v.key !== "string" || (expectedKey !== undefined && v.key !== expectedKey)) throw bad(`key ${JSON.stringify(v.key)} is not the cell's ${expectedKey}`);
  const score = (s: Score | undefined, what: string) => {
    if (!s || typeof s.accuracy !== "number" || !Number.isInteger(s.correct) || !Number.isInteger(s.n)) throw bad(`${what} is not a score`);
  };
  score(v.test?.overall, "test.overall");
  for (const [f, s] of Object.entries(v.test?.families ?? {})) score(s, `test.families.${f}`);
  if (typeof v.trainSeconds !== "number") throw bad("no trainSeconds");
  return v;
}
