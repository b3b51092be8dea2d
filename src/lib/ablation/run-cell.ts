/**
 * Runs one ablation cell against a cache directory (Node only: files, images through
 * sharp). Resumable at every level:
 *
 *   CACHE/cells/<key>/result.json     the finished cell; its presence means "never again"
 *   CACHE/cells/<key>/run/            the cell's checkpoints while it trains (resume point)
 *   CACHE/pretrain/<key>/run/         a pretrain stage's checkpoints while it trains
 *   CACHE/pretrain/<key>/done.json    …and its record once finished: the checkpoint it ends
 *                                     at is what every cell with this pretrain key starts from
 *   CACHE/locks/*.lock                see lock.ts
 *
 * Every file is written atomically (temp file + rename; checkpoints via latest.json), so a
 * process killed at any moment leaves either the old state or the new one. Aborting
 * (`signal`) stops between two steps, saves a checkpoint and returns "interrupted"; the next
 * call continues from it and ends with the weights an uninterrupted run would have had.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as tf from "../tf.ts";
import type { Sample, Split } from "../data/sample.ts";
import { buildTokenizer, Tokenizer } from "../data/tokenizer.ts";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { LATEST_FILE, loadCheckpoint, saveCheckpoint } from "../io/meteor-checkpoint.ts";
import type { BatchItem } from "../meteor/batch.ts";
import { countMeteorParams, resolveMeteorConfig, type MeteorConfig, type MeteorConfigInput } from "../meteor/config.ts";
import { initMeteorVariables, partOf, type MeteorPart } from "../meteor/params.ts";
import { TEMPLATE_TEXTS } from "../meteor/prompts.ts";
import { evaluate } from "../train/evaluate.ts";
import { renderItem, runSamples, trainStream } from "../train/run-data.ts";
import { assignBase, loadBaseCheckpoint } from "../train/base-checkpoint.ts";
import { withImages } from "../train/image-ablation.ts";
import { meteorConfigInputOf, resolveRunConfig, runConfigInput, type RunConfig } from "../train/run-config.ts";
import type { Stage } from "../train/stages.ts";
import { Trainer, isStream, type StepReport, type TrainerState } from "../train/trainer.ts";
import { ABLATION_CODE_VERSION } from "./hash.ts";
import { tryLock, type HeldLock } from "./lock.ts";
import type { PlannedCell } from "./plan.ts";
import { AblationCacheError, CELL_RESULT_FORMAT, parseCellResult, type CellResult, type MachineInfo, type Score, type StageTiming } from "./result.ts";

export interface RunCellOptions {
  cacheDir: string;
  /** Who ran it, stored in the result. */
  provenance: { command: string; commit: string; machine: MachineInfo };
  /** Stop between steps: a checkpoint is saved and the outcome is "interrupted". */
  signal?: AbortSignal;
  /** After every step (progress display, tests). */
  onStep?: (r: StepReport & { phase: "pretrain" | "cell" }) => void;
  log?: (line: string) => void;
  /** Steps between checkpoints. Default 25. */
  checkpointEvery?: number;
  /** How often to look at a lock another process holds. Default 2 s. */
  pollMs?: number;
}

export type CellOutcome =
  | { status: "cached"; result: CellResult; stepsRun: 0 }
  | { status: "done"; result: CellResult; stepsRun: number }
  | { status: "interrupted"; stepsRun: number };

/** The parts the pretrain stage trains, hence the parts a pretrain checkpoint hands on. */
const PRETRAIN_PARTS: readonly MeteorPart[] = ["vision", "mlmVisionProjector", "mlm"];

/** What a cell's checkpoints keep besides weights and optimizer. */
interface CellState {
  trainer: TrainerState;
  timing: Partial<Record<Stage, StageTiming>>;
  pretrainCached: boolean;
}

interface PretrainRecord {
  format: 1;
  key: string;
  /** The final checkpoint's name in the pretrain's run directory. */
  checkpoint: string;
  timing: StageTiming;
  history: TrainerState["history"];
  validation: TrainerState["validation"];
}

export const cellDir = (cacheDir: string, key: string): string => join(cacheDir, "cells", key);
export const resultPath = (cacheDir: string, key: string): string => join(cellDir(cacheDir, key), "result.json");
const pretrainDir = (cacheDir: string, key: string): string => join(cacheDir, "pretrain", key);

/** The cached result of `cell`, or null; a corrupt file is an AblationCacheError naming it. */
export async function readCellResult(cacheDir: string, cell: Pick<PlannedCell, "key">): Promise<CellResult | null> {
  const path = resultPath(cacheDir, cell.key);
  if (!existsSync(path)) return null;
  return parseCellResult(await readFile(path, "utf8"), path, cell.key);
}

// ---------------------------------------------------------------------------------------
// data: generated, tokenised and rendered once per process

const rendered = new Map<string, Promise<BatchItem[]>>();


function itemsOf(run: RunConfig, split: Split, size: number): Promise<BatchItem[]> {
  const samples = runSamples(run, split);
  const key = JSON.stringify([run.dataSeed, split, samples.length, run.families, size]);
  let p = rendered.get(key);
  if (!p) {
    p = Promise.all(samples.map((sample) => renderItem(sample, size)));
    rendered.set(key, p);
  }
  return p;
}

function tokenizerOf(run: RunConfig): Tokenizer {
  return buildTokenizer([...runSamples(run, "train").flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
}

// ---------------------------------------------------------------------------------------

/** Waits until `lockPath` is ours (returns it) or `done()` holds (returns null). */
async function lockOrWait(lockPath: string, done: () => boolean, opts: RunCellOptions, what: string): Promise<HeldLock | null> {
  let said = false;
  for (;;) {
    if (done()) return null;
    const lock = await tryLock(lockPath);
    if (lock) {
      if (done()) {
        await lock.release();
        return null;
      }
      return lock;
    }
    if (opts.signal?.aborted) return null;
    if (!said) opts.log?.(`waiting: another process is running ${what}`);
    said = true;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
  }
}

function timed(timing: Partial<Record<Stage, StageTiming>>, r: StepReport, seconds: number): void {
  const t = (timing[r.stage] ??= { steps: 0, seconds: 0, inputTokens: 0 });
  t.steps++;
  t.seconds += seconds;
  t.inputTokens += r.inputTokens;
}

async function digest(vars: Readonly<Record<string, tf.Tensor>>): Promise<string> {
  const h = createHash("sha256");
  for (const name of Object.keys(vars).sort()) {
    h.update(name);
    const data = (await vars[name]!.data()) as Float32Array;
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest("hex");
}

async function saveRun(dir: string, cfgInput: MeteorConfigInput, run: RunConfig, vars: Record<string, tf.Variable>, tokenizer: Tokenizer, trainer: Trainer, state: unknown): Promise<string> {
  const { dir: saved } = await saveCheckpoint(
    dir,
    {
      config: cfgInput,
      training: runConfigInput(run),
      params: vars,
      tokenizer: tokenizer.toJSON(),
      ...(trainer.optimizer.state.step > 0 ? { optimizer: trainer.optimizer.state } : {}),
      state,
    },
    { step: trainer.globalStep, keep: 1 },
  );
  return saved;
}

/** Trains (or resumes, or waits for) the pretrain stage of `run`; returns its record. */
async function ensurePretrain(
  cell: PlannedCell,
  run: RunConfig,
  cfg: MeteorConfig,
  cfgInput: MeteorConfigInput,
  tokenizer: Tokenizer,
  data: { train: BatchItem[]; validation: BatchItem[] },
  opts: RunCellOptions,
): Promise<{ record: PretrainRecord; stepsRun: number } | { interrupted: true; stepsRun: number }> {
  const base = pretrainDir(opts.cacheDir, cell.pretrainKey);
  const donePath = join(base, "done.json");
  const readDone = async (): Promise<PretrainRecord> => {
    try {
      const rec = JSON.parse(await readFile(donePath, "utf8")) as PretrainRecord;
      if (rec.format !== 1 || rec.key !== cell.pretrainKey || typeof rec.checkpoint !== "string") throw new Error("fields missing or of another pretrain");
      return rec;
    } catch (e) {
      throw new AblationCacheError(`corrupt cache file ${donePath}: ${(e as Error).message}; delete ${base} to recompute the pretrain`);
    }
  };
  if (existsSync(donePath)) return { record: await readDone(), stepsRun: 0 };
  const lock = await lockOrWait(join(opts.cacheDir, "locks", `pretrain-${cell.pretrainKey}.lock`), () => existsSync(donePath), opts, `pretrain ${cell.pretrainKey.slice(0, 16)}`);
  if (!lock) {
    if (existsSync(donePath)) return { record: await readDone(), stepsRun: 0 };
    return { interrupted: true, stepsRun: 0 };
  }
  const vars = initMeteorVariables(cfg, run.seed);
  try {
    const options = { ...run.train, system: "mlm" as const, steps: { perceive: 0, pretrain: run.train.steps.pretrain, embed: 0, answer: 0 } };
    const runDir = join(base, "run");
    let timing: Partial<Record<Stage, StageTiming>> = {};
    let resume: ConstructorParameters<typeof Trainer>[5];
    if (existsSync(join(runDir, LATEST_FILE))) {
      const ck = await loadCheckpoint(runDir);
      for (const [n, t] of Object.entries(ck.params)) vars[n]?.assign(t);
      tf.dispose(Object.values(ck.params));
      const st = ck.state as CellState;
      timing = st.timing;
      resume = { state: st.trainer, ...(ck.optimizer ? { optimizer: ck.optimizer } : {}) };
      opts.log?.(`pretrain ${cell.pretrainKey.slice(0, 16)}: resuming at step ${st.trainer.stageStep}`);
    }
    const trainer = new Trainer(cfg, vars, tokenizer, data, options, resume);
    const stepsRun = await trainLoop(trainer, timing, "pretrain", opts, lock, () =>
      saveRun(runDir, cfgInput, run, vars, tokenizer, trainer, { trainer: trainer.state, timing, pretrainCached: false } satisfies CellState),
    );
    if (!trainer.finished) return { interrupted: true, stepsRun };
    const checkpoint = await saveRun(runDir, cfgInput, run, vars, tokenizer, trainer, { trainer: trainer.state, timing, pretrainCached: false } satisfies CellState);
    const record: PretrainRecord = {
      format: 1,
      key: cell.pretrainKey,
      checkpoint: basename(checkpoint),
      timing: timing.pretrain ?? { steps: 0, seconds: 0, inputTokens: 0 },
      history: trainer.state.history,
      validation: trainer.state.validation,
    };
    await writeFileAtomic(donePath, new TextEncoder().encode(`${JSON.stringify(record)}\n`));
    return { record, stepsRun };
  } finally {
    tf.dispose(Object.values(vars));
    await lock.release();
  }
}

/** Steps `trainer` to the end (or an abort), checkpointing every `checkpointEvery` steps and at stage ends. */
async function trainLoop(
  trainer: Trainer,
  timing: Partial<Record<Stage, StageTiming>>,
  phase: "pretrain" | "cell",
  opts: RunCellOptions,
  lock: HeldLock,
  save: () => Promise<string>,
): Promise<number> {
  const every = opts.checkpointEvery ?? 25;
  let stepsRun = 0;
  while (!trainer.finished) {
    if (opts.signal?.aborted) {
      await save();
      return stepsRun;
    }
    const t0 = performance.now();
    const r = await trainer.step();
    if (trainer.validationDue(r)) await trainer.validate(r.stage, r.stageStep);
    timed(timing, r, (performance.now() - t0) / 1000);
    stepsRun++;
    opts.onStep?.({ ...r, phase });
    if (r.globalStep % every === 0 || r.stageStep === r.stageSteps) {
      await save();
      await lock.refresh();
    }
  }
  return stepsRun;
}

const score = (correct: boolean[], idx: number[]): Score => {
  const k = idx.filter((i) => correct[i]).length;
  return { accuracy: idx.length ? k / idx.length : Number.NaN, correct: k, n: idx.length };
};

/**
 * Runs `cell` to its result, from wherever the cache says it stands: cached → returned with
 * no training; half-trained → resumed; new → started from its pretrain (trained first, or
 * taken from the cache).
 */
export async function runCell(cell: PlannedCell, opts: RunCellOptions): Promise<CellOutcome> {
  const cached = await readCellResult(opts.cacheDir, cell);
  if (cached) return { status: "cached", result: cached, stepsRun: 0 };
  const path = resultPath(opts.cacheDir, cell.key);
  const lock = await lockOrWait(join(opts.cacheDir, "locks", `cell-${cell.key}.lock`), () => existsSync(path), opts, `cell ${cell.id}`);
  if (!lock) {
    const r = await readCellResult(opts.cacheDir, cell);
    return r ? { status: "cached", result: r, stepsRun: 0 } : { status: "interrupted", stepsRun: 0 };
  }
  let vars: Record<string, tf.Variable> | undefined;
  try {
    const run = resolveRunConfig(cell.run);
    const base = run.base ? await loadBaseCheckpoint(run.base) : null;
    const tokenizer = base?.tokenizer ?? tokenizerOf(run);
    const cfgInput = meteorConfigInputOf(run, tokenizer.vocabSize);
    const cfg = resolveMeteorConfig(cfgInput);
    const data = {
      train: run.trainData === "stream" ? trainStream(run, cfg.vision.imageSize) : await itemsOf(run, "train", cfg.vision.imageSize),
      validation: await itemsOf(run, "validation", cfg.vision.imageSize),
    };
    vars = initMeteorVariables(cfg, run.seed);
    if (base) {
      try {
        assignBase(base, cfg, vars); // a resumed cell overwrites these with its own checkpoint below
      } finally {
        tf.dispose(Object.values(base.weights));
      }
    }
    const runDir = join(cellDir(opts.cacheDir, cell.key), "run");
    let state: CellState;
    let optimizer: Awaited<ReturnType<typeof loadCheckpoint>>["optimizer"];
    let stepsRun = 0;
    if (existsSync(join(runDir, LATEST_FILE))) {
      const ck = await loadCheckpoint(runDir);
      for (const [n, t] of Object.entries(ck.params)) vars[n]!.assign(t);
      tf.dispose(Object.values(ck.params));
      state = ck.state as CellState;
      optimizer = ck.optimizer;
      opts.log?.(`cell ${cell.id}: resuming at ${state.trainer.stageIndex}:${state.trainer.stageStep}`);
    } else if (run.train.steps.pretrain > 0) {
      if (isStream(data.train)) throw new Error("a shared pretrain stage needs a fixed training set; with a stream, start from a base checkpoint (run.base)");
      const pre = await ensurePretrain(cell, run, cfg, cfgInput, tokenizer, { train: data.train, validation: data.validation }, opts);
      stepsRun += pre.stepsRun;
      if ("interrupted" in pre) return { status: "interrupted", stepsRun };
      // the pretrain's run directory ends at its last step (keep 1); a relative path keeps the cache movable between machines
      const ck = await loadCheckpoint(join(pretrainDir(opts.cacheDir, cell.pretrainKey), "run"));
      for (const [n, t] of Object.entries(ck.params)) if (PRETRAIN_PARTS.includes(partOf(n))) vars[n]!.assign(t);
      tf.dispose(Object.values(ck.params));
      if (ck.optimizer) tf.dispose([...Object.values(ck.optimizer.m), ...Object.values(ck.optimizer.v)]);
      state = {
        trainer: { stageIndex: 1, stageStep: 0, history: pre.record.history, validation: pre.record.validation },
        timing: { pretrain: pre.record.timing },
        pretrainCached: pre.stepsRun === 0,
      };
    } else {
      state = { trainer: { stageIndex: 0, stageStep: 0, history: [], validation: [] }, timing: {}, pretrainCached: false };
    }
    const trainer = new Trainer(cfg, vars, tokenizer, data, run.train, { state: state.trainer, ...(optimizer ? { optimizer } : {}) });
    const timing = state.timing;
    const v = vars;
    stepsRun += await trainLoop(trainer, timing, "cell", opts, lock, () =>
      saveRun(runDir, cfgInput, run, v, tokenizer, trainer, { trainer: trainer.state, timing, pretrainCached: state.pretrainCached } satisfies CellState),
    );
    if (!trainer.finished) return { status: "interrupted", stepsRun };

    const t0 = performance.now();
    const test = await itemsOf(run, "test", cfg.vision.imageSize);
    const ev = await evaluate(cfg, vars, tokenizer, test, { system: run.system, batchSize: run.train.batchSize });
    // the same questions with blank images: how much of the accuracy comes from reading them
    // (not for the oracle, whose prompt holds the rationale with every fact already read)
    const blank = run.system === "oracle" ? null : await evaluate(cfg, vars, tokenizer, withImages(test, "blank"), { system: run.system, batchSize: run.train.batchSize });
    const evalSeconds = (performance.now() - t0) / 1000;
    const families: Record<string, Score> = {};
    for (const f of run.families) families[f] = score(ev.correct, test.flatMap((it, i) => ((it.sample as Sample).family === f ? [i] : [])));
    const tiers: Record<string, Score> = {};
    for (const t of run.tiers) tiers[t] = score(ev.correct, test.flatMap((it, i) => ((it.sample as Sample).tier === t ? [i] : [])));
    const stages = Object.values(timing);
    const trainSeconds = stages.reduce((s, t) => s + t.seconds, 0);
    const result: CellResult = {
      format: CELL_RESULT_FORMAT,
      codeVersion: ABLATION_CODE_VERSION,
      key: cell.key,
      pretrainKey: cell.pretrainKey,
      seed: run.seed,
      run: cell.run,
      parameters: countMeteorParams(cfg),
      test: { loss: ev.loss, overall: score(ev.correct, test.map((_, i) => i)), families, tiers, correct: ev.correct.map(Number) },
      ...(blank ? { blankImages: { overall: score(blank.correct, test.map((_, i) => i)), correct: blank.correct.map(Number) } } : {}),
      timing,
      trainSeconds,
      evalSeconds,
      tokensPerSecond: stages.reduce((s, t) => s + t.inputTokens, 0) / Math.max(trainSeconds, 1e-9),
      weightsDigest: await digest(vars),
      pretrainCached: state.pretrainCached,
      command: opts.provenance.command,
      commit: opts.provenance.commit,
      machine: opts.provenance.machine,
      finishedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(result, null, 1)}\n`));
    return { status: "done", result, stepsRun };
  } finally {
    if (vars) tf.dispose(Object.values(vars));
    await lock.release();
  }
}
