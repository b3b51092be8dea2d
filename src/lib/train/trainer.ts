/**
 * The training loop, as a steppable object so the CLI, the pages (which must yield to the
 * browser between steps) and the tests drive it alike. `step()` and `validate()` are async:
 * the GPU backends read results back only asynchronously. No I/O: the caller renders images,
 * prints progress and writes checkpoints.
 *
 * Determinism: the batch of (stage, step) is a pure function of the seed (a seeded shuffle
 * per epoch), so a run resumed from a checkpoint continues with exactly the batches and
 * optimizer state it would have had.
 *
 * Training data is either a fixed list of items (epochs over it) or a `TrainStream`: an
 * endless generator where step s of a stage reads items s·B … s·B + B − 1 of that stage's
 * own stretch of the stream, so no sample is seen twice and none can be memorised.
 */
import type * as tf from "../tf.ts";
import { placeTor, type TorPlacement } from "../data/insert-tor.ts";
import { mulberry32 } from "../nn/init.ts";
import { buildBatch, buildPerceptionBatch, type BatchItem, type MeteorBatch, type PerceptionBatch, type TokenizerLike } from "../meteor/batch.ts";
import type { MeteorConfig } from "../meteor/config.ts";
import { selectParts } from "../meteor/params.ts";
import { AdamW, type AdamWState } from "./adamw.ts";
import { evaluate, type EvalResult } from "./evaluate.ts";
import { evaluatePerception } from "./evaluate-perception.ts";
import { cosineLr } from "./schedule.ts";
import { STAGES_OF, batchKind, trainableParts, type Stage, type System } from "./stages.ts";
import { batchLoss, trainStep, type StepResult } from "./step.ts";

/**
 * An endless, deterministic source of training items (e.g. generated and rendered on
 * demand, `run-data.ts`). `items(start, count)` returns items start … start + count − 1;
 * the same indices always give the same items.
 */
export interface TrainStream {
  readonly kind: "stream";
  items(start: number, count: number): Promise<BatchItem[]>;
}

/** Stream indices of stage k start at k · STREAM_STAGE_STRIDE: each stage reads its own samples. */
export const STREAM_STAGE_STRIDE = 100_000_000;

export interface TrainOptions {
  /** Which system: Meteor, or a baseline ("mlm" alone, "oracle" with the rationale). */
  system: System;
  /** Seeds initialisation elsewhere and the data order here. */
  seed: number;
  /** Optimisation steps per stage ("perceive" may be left out: 0). */
  steps: Readonly<Record<Exclude<Stage, "perceive">, number> & { perceive?: number }>;
  batchSize: number;
  /** Peak learning rate of every stage (cosine to `lr · lrFloorRatio`). */
  lr: number;
  /** Paper: 1e-4 → 1e-6, i.e. 0.01. */
  lrFloorRatio: number;
  warmupSteps: number;
  /** Global gradient-norm clip. */
  clipNorm: number;
  /** Train the vision encoder after pretraining (default frozen, as Meteor freezes CLIP). */
  trainVision: boolean;
  /** `<tor>` placement in step 1 (ablations); the paper's is "even". */
  placement: TorPlacement;
  /**
   * Share of step-1 samples whose rationale the Mamba embeds (Table 3's "share of
   * question–rationale pairs in step 1"); the others embed their answer instead
   * (`BatchItem.embedAnswer`). Which samples: the first round(share·n) of a seeded
   * permutation of the training set. 1 (default) = every sample; the paper's model: 0.9.
   */
  rationaleShare: number;
  /** Validate every this many steps (0 = only at stage ends). */
  evalEvery: number;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, "system" | "seed" | "steps"> = Object.freeze({
  batchSize: 16,
  lr: 3e-3,
  lrFloorRatio: 0.01,
  warmupSteps: 20,
  clipNorm: 1,
  trainVision: false,
  placement: "even",
  rationaleShare: 1,
  evalEvery: 100,
});

/** Everything needed to continue a run exactly (with the optimizer's tensors). */
export interface TrainerState {
  stageIndex: number;
  stageStep: number;
  history: { stage: Stage; step: number; loss: number; lr: number; gradNorm: number }[];
  validation: ({ stage: Stage; step: number } & EvalResult)[];
}

export interface StepReport extends StepResult {
  stage: Stage;
  stageStep: number;
  stageSteps: number;
  globalStep: number;
  totalSteps: number;
  lr: number;
}

export class Trainer {
  readonly stages: readonly Stage[];
  readonly optimizer: AdamW;
  state: TrainerState;
  #usable = new Map<Stage, BatchItem[]>();

  constructor(
    readonly cfg: MeteorConfig,
    readonly vars: Readonly<Record<string, tf.Variable>>,
    readonly tokenizer: TokenizerLike,
    readonly data: { readonly train: readonly BatchItem[] | TrainStream; readonly validation: readonly BatchItem[] },
    readonly options: TrainOptions,
    resume?: { state: TrainerState; optimizer?: AdamWState },
  ) {
    this.stages = STAGES_OF[options.system].filter((s) => (options.steps[s] ?? 0) > 0);
    this.optimizer = new AdamW();
    this.state = resume?.state ?? { stageIndex: 0, stageStep: 0, history: [], validation: [] };
    if (resume?.optimizer) this.optimizer.state = resume.optimizer;
    if (!isStream(data.train) && data.train.length === 0) throw new Error("no training samples");
  }

  /** The fixed training list (the stream has none). */
  #fixed(): readonly BatchItem[] {
    if (isStream(this.data.train)) throw new Error("this trainer reads a stream: it has no fixed training set");
    return this.data.train;
  }

  get finished(): boolean {
    return this.state.stageIndex >= this.stages.length;
  }

  get stage(): Stage {
    return this.stages[Math.min(this.state.stageIndex, this.stages.length - 1)]!;
  }

  get totalSteps(): number {
    return this.stages.reduce((n, s) => n + this.stageSteps(s), 0);
  }

  get globalStep(): number {
    return this.#stepsBefore(this.state.stageIndex) + this.state.stageStep;
  }

  /** Steps of the stages before `stage` (its steps count on from there in `globalStep`). */
  stageStart(stage: Stage): number {
    return this.#stepsBefore(this.stages.indexOf(stage));
  }

  #stepsBefore(stageIndex: number): number {
    return this.stages.slice(0, stageIndex).reduce((n, s) => n + this.stageSteps(s), 0);
  }

  /** Optimisation steps of `stage`. */
  stageSteps(stage: Stage): number {
    return this.options.steps[stage] ?? 0;
  }

  placeTorFn(): (r: string) => string | null {
    return (r) => placeTor(r, { count: this.cfg.numTor, placement: this.options.placement, seed: this.options.seed });
  }

  /** Training items a stage can use (step 1 drops rationales too short for the `<tor>`s). */
  usableItems(stage: Stage): BatchItem[] {
    let items = this.#usable.get(stage);
    if (!items) {
      const place = this.placeTorFn();
      items =
        stage === "embed"
          ? this.stepOneItems().filter((it) => it.embedAnswer || place(it.sample.rationale) !== null)
          : stage === "perceive"
            ? this.#fixed().filter((it) => it.pixels)
            : [...this.#fixed()];
      if (items.length === 0) throw new Error(`no training sample has a rationale long enough for ${this.cfg.numTor} <tor> tokens`);
      this.#usable.set(stage, items);
    }
    return items;
  }

  /** The training set as step 1 sees it: all but `rationaleShare` of it marked `embedAnswer`. */
  stepOneItems(): BatchItem[] {
    const train = this.#fixed();
    const n = train.length;
    const share = this.options.rationaleShare;
    if (share >= 1) return [...train];
    const withRationale = new Set(shuffled(n, this.options.seed * 7_919 + 104_729).slice(0, Math.round(share * n)));
    return train.map((it, i) => (withRationale.has(i) ? it : { ...it, embedAnswer: true }));
  }

  /**
   * The batch of `step` in `stage`, from the fixed set (`batchAt`) or from the stream: items
   * s·B … s·B + B − 1 of the stage's stretch. In step 1, a stream item embeds its answer
   * instead of its rationale with probability 1 − rationaleShare (a hash of seed and index),
   * and items whose rationale is too short for the `<tor>`s are dropped from the batch.
   */
  async batchFor(stage: Stage, step: number): Promise<MeteorBatch | PerceptionBatch> {
    const train = this.data.train;
    if (!isStream(train)) return this.batchAt(stage, step);
    if (stage === "perceive") return buildPerceptionBatch(await this.#imageItems(train, step));
    const B = this.options.batchSize;
    const start = this.stages.indexOf(stage) * STREAM_STAGE_STRIDE + step * B;
    let items = await train.items(start, B);
    if (stage === "embed") {
      const share = this.options.rationaleShare;
      const place = this.placeTorFn();
      items = items
        .map((it, i) => (share < 1 && unitHash(this.options.seed, start + i) >= share ? { ...it, embedAnswer: true } : it))
        .filter((it) => it.embedAnswer || place(it.sample.rationale) !== null);
      if (items.length === 0) throw new Error(`no sample of stream batch ${step} has a rationale long enough for ${this.cfg.numTor} <tor> tokens`);
    }
    return this.batchOf(items, stage);
  }

  /**
   * The perceive stage's items of `step` from the stream: the image-bearing items among the
   * next B·F/(F − text families) stream items, so a batch holds about B images.
   */
  async #imageItems(train: TrainStream, step: number): Promise<BatchItem[]> {
    const B = this.options.batchSize;
    const start = this.stages.indexOf("perceive") * STREAM_STAGE_STRIDE + step * 2 * B;
    return (await train.items(start, 2 * B)).filter((it) => it.pixels).slice(0, B);
  }

  /** The batch of `step` in `stage`: a seeded shuffle per epoch, so it depends on nothing else. */
  batchAt(stage: "perceive", step: number): PerceptionBatch;
  batchAt(stage: Exclude<Stage, "perceive">, step: number): MeteorBatch;
  batchAt(stage: Stage, step: number): MeteorBatch | PerceptionBatch;
  batchAt(stage: Stage, step: number): MeteorBatch | PerceptionBatch {
    const items = this.usableItems(stage);
    const B = Math.min(this.options.batchSize, items.length);
    const perEpoch = Math.floor(items.length / B);
    const epoch = Math.floor(step / perEpoch);
    const order = shuffled(items.length, this.options.seed * 1_000_003 + this.stages.indexOf(stage) * 7919 + epoch);
    const start = (step % perEpoch) * B;
    const chosen = order.slice(start, start + B).map((i) => items[i]!);
    return this.batchOf(chosen, stage);
  }

  /** `items` laid out as `stage` trains on them. */
  batchOf(items: readonly BatchItem[], stage: "perceive"): PerceptionBatch;
  batchOf(items: readonly BatchItem[], stage: Exclude<Stage, "perceive">): MeteorBatch;
  batchOf(items: readonly BatchItem[], stage: Stage): MeteorBatch | PerceptionBatch;
  batchOf(items: readonly BatchItem[], stage: Stage): MeteorBatch | PerceptionBatch {
    if (stage === "perceive") return buildPerceptionBatch(items);
    return buildBatch(items, this.tokenizer, {
      ...batchKind(stage, this.options.system),
      numTor: this.cfg.numTor,
      numPatches: this.cfg.vision.numPatches,
      placeTor: this.placeTorFn(),
    });
  }

  /** One optimisation step of the current stage; advances to the next stage at its end. */
  async step(): Promise<StepReport> {
    if (this.finished) throw new Error("training is finished");
    const stage = this.stage;
    const stageSteps = this.stageSteps(stage);
    const s = this.state.stageStep;
    const lr = cosineLr(
      { peak: this.options.lr, floor: this.options.lr * this.options.lrFloorRatio, warmupSteps: Math.min(this.options.warmupSteps, stageSteps), totalSteps: stageSteps },
      s,
    );
    const perceived = this.stages.includes("perceive");
    const trainable = Object.keys(selectParts(this.vars, trainableParts(stage, this.options.system, { trainVision: this.options.trainVision, perceived })));
    const result = await trainStep({
      cfg: this.cfg,
      vars: this.vars,
      trainable,
      optimizer: this.optimizer,
      batch: await this.batchFor(stage, s),
      lr,
      clipNorm: this.options.clipNorm,
    });
    this.state.history.push({ stage, step: s, loss: result.loss, lr, gradNorm: result.gradNorm });
    const report: StepReport = { ...result, stage, stageStep: s + 1, stageSteps, globalStep: this.globalStep + 1, totalSteps: this.totalSteps, lr };
    this.state.stageStep++;
    if (this.state.stageStep >= stageSteps) {
      // each stage trains a different set of parts: its optimizer starts afresh
      this.optimizer.dispose();
      this.state.stageIndex++;
      this.state.stageStep = 0;
    }
    return report;
  }

  /** Whether validation is due after the step just reported. */
  validationDue(r: StepReport): boolean {
    return r.stageStep === r.stageSteps || (this.options.evalEvery > 0 && r.stageStep % this.options.evalEvery === 0);
  }

  /** Validation of `stage`: answer accuracy (answer stage) or the stage's loss on validation items. */
  async validate(stage: Stage, step: number, limit = 128): Promise<EvalResult & { stage: Stage; step: number }> {
    const items = this.data.validation.slice(0, limit);
    let result: EvalResult;
    if (stage === "answer" && this.options.system !== "rationale") { // the rationale system is scored by loss here: writing 128 rationales would cost more than training
      result = await evaluate(this.cfg, this.vars, this.tokenizer, items, { system: this.options.system, batchSize: this.options.batchSize });
    } else if (stage === "perceive") {
      const { slots: _, ...overall } = await evaluatePerception(this.cfg, this.vars, items.filter((it) => it.pixels), this.options.batchSize);
      result = overall;
    } else {
      const place = this.placeTorFn();
      const usable = stage === "embed" ? items.filter((it) => place(it.sample.rationale) !== null) : items;
      let total = 0;
      for (let i = 0; i < usable.length; i += this.options.batchSize) {
        const l = batchLoss(this.cfg, this.vars, this.batchOf(usable.slice(i, i + this.options.batchSize), stage));
        total += (await l.data())[0]! * Math.min(this.options.batchSize, usable.length - i);
        l.dispose();
      }
      result = { loss: usable.length ? total / usable.length : Number.NaN, n: usable.length };
    }
    const entry = { stage, step, ...result };
    this.state.validation.push(entry);
    return entry;
  }
}

/** Whether training data is a stream (else a fixed list). */
export function isStream(train: readonly BatchItem[] | TrainStream): train is TrainStream {
  return !Array.isArray(train) && (train as TrainStream).kind === "stream";
}

/** A number in [0, 1) from (seed, index), the same on every platform. */
function unitHash(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** A seeded Fisher–Yates permutation of 0…n−1. */
export function shuffled(n: number, seed: number): number[] {
  const rand = mulberry32(seed >>> 0);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
