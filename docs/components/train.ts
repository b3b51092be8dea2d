/**
 * Training a micro Meteor in the browser: the library's `Trainer` over the Data explorer's
 * generated samples (their 64-px images drawn down to the model's 32 px), a loss chart, and
 * the checkpoint as one JSON bundle of base64 files (`serializeCheckpoint`). The page drives
 * `await trainer.step()` and yields to the browser between steps.
 */
import { fitWidth, h } from "./dom.js";
import * as Plot from "@observablehq/plot";
import type * as MeteorBrowser from "./meteor-browser.ts";
import { imagePixels } from "./ask.js"; // `.js`: Framework follows only .js local imports

type Lib = typeof MeteorBrowser;

/** The page's sliders. */
export interface MicroSettings {
  /** Width of the vision encoder and the Mamba (the MLM is twice as wide), e.g. 32. */
  width: number;
  /** Mamba layers, e.g. 1. */
  mambaLayers: number;
  /** MLM layers, e.g. 1. */
  mlmLayers: number;
  /** Optimisation steps of each of the three stages, e.g. 20. */
  stepsPerStage: number;
  /** `<tor>` tokens per sample (≥ 2), e.g. 4. */
  numTor: number;
  /** `<tor>` placement in step 1. */
  placement: MeteorBrowser.TorPlacement;
  batchSize: number;
}

/** A sample as `docs/data/samples.json.ts` writes it. */
export interface LoaderSample {
  id: string;
  split: string;
  question: string;
  rationale: string;
  answer: string;
  /** 64-px PNG data URL, or null (text only). */
  image: string | null;
}

function decode(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("a sample image failed to decode"));
    img.src = src;
  });
}

/** Batch items of `samples`, images drawn down to `size` px. */
export async function batchItems(samples: readonly LoaderSample[], size: number): Promise<MeteorBrowser.BatchItem[]> {
  return Promise.all(samples.map(async (sample) => (sample.image ? { sample, pixels: imagePixels(await decode(sample.image), size) } : { sample })));
}

/** The micro model's config: the tiny preset's shape, scaled by the sliders. */
export function microConfigInput(s: MicroSettings, vocabSize: number): MeteorBrowser.MeteorConfigInput {
  return {
    vocabSize,
    numTor: s.numTor,
    vision: { imageSize: 32, patchSize: 8, dModel: s.width, nLayer: 1, nHead: 4, mlpDim: 2 * s.width },
    mamba: { dModel: s.width, nLayer: s.mambaLayers, dState: 8 },
    mlm: { dModel: 2 * s.width, nLayer: s.mlmLayers, nHead: 4, nKvHead: 2, ffnDim: 4 * s.width },
  };
}

export interface TrainingSession {
  trainer: MeteorBrowser.Trainer;
  cfg: MeteorBrowser.MeteorConfig;
  configInput: MeteorBrowser.MeteorConfigInput;
  run: MeteorBrowser.RunConfig;
  vars: Record<string, MeteorBrowser.tf.Variable>;
  tokenizer: MeteorBrowser.Tokenizer;
  dispose(): void;
}

/** Steps between validations (and at each stage's end). */
export const VALIDATE_EVERY = 5;

/** A fresh model and trainer for the settings (seed 0). */
export function startSession(lib: Lib, s: MicroSettings, data: { train: MeteorBrowser.BatchItem[]; validation: MeteorBrowser.BatchItem[] }): TrainingSession {
  const texts = data.train.flatMap((it) => [it.sample.question, it.sample.rationale, it.sample.answer]);
  const tokenizer = lib.buildTokenizer([...texts, ...lib.TEMPLATE_TEXTS]);
  const run = lib.resolveRunConfig({
    preset: "tiny",
    numTor: s.numTor,
    placement: s.placement,
    batchSize: s.batchSize,
    trainSize: data.train.length,
    validationSize: data.validation.length,
    steps: { pretrain: s.stepsPerStage, embed: s.stepsPerStage, answer: s.stepsPerStage },
    warmupSteps: Math.min(5, s.stepsPerStage),
    evalEvery: VALIDATE_EVERY,
  });
  const configInput = microConfigInput(s, tokenizer.vocabSize);
  const cfg = lib.resolveMeteorConfig(configInput);
  const vars = lib.initMeteorVariables(cfg, run.seed);
  const trainer = new lib.Trainer(cfg, vars, tokenizer, data, run.train);
  return {
    trainer,
    cfg,
    configInput,
    run,
    vars,
    tokenizer,
    dispose() {
      trainer.optimizer.dispose();
      lib.tf.dispose(Object.values(vars));
    },
  };
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The session's checkpoint as one JSON bundle: `{format, files: {name: base64}}`, the files `meteor` writes. */
export async function checkpointBundle(lib: Lib, session: TrainingSession): Promise<Blob> {
  // read to the host with await (a synchronous read of GPU tensors would stall the page),
  // everything taken at this step: training may go on while the reads complete
  const step = session.trainer.globalStep;
  const ckpt = await lib.readToHost({
    config: session.configInput,
    training: lib.runConfigInput(session.run),
    params: session.vars,
    tokenizer: session.tokenizer.toJSON(),
    ...(session.trainer.optimizer.state.step > 0 ? { optimizer: session.trainer.optimizer.state } : {}),
    state: structuredClone(session.trainer.state),
  });
  const files = lib.serializeCheckpoint(ckpt);
  const out = { format: "meteor-playground-bundle/1", step, files: Object.fromEntries([...files].map(([n, b]) => [n, base64(b)])) };
  return new Blob([JSON.stringify(out)], { type: "application/json" });
}

/** Loss per global step, one colour per stage. */
export function liveLossChart(history: readonly { stage: string; step: number; loss: number }[], { width, totalSteps }: { width: number; totalSteps: number }): SVGSVGElement | HTMLElement {
  const points = history.map((h, i) => ({ ...h, global: i + 1 }));
  return Plot.plot({
    width: fitWidth(width),
    height: 260,
    x: { label: "training step (stages end to end)", domain: [0, totalSteps] },
    y: { label: "loss", grid: true },
    color: { legend: true, domain: ["pretrain", "embed", "answer"] },
    marks: [Plot.line(points, { x: "global", y: "loss", stroke: "stage" }), Plot.dot(points.slice(-1), { x: "global", y: "loss", fill: "stage" })],
  });
}

/** One validation, placed on the training curve's x axis (global step). */
export interface ValidationPoint {
  global: number;
  stage: string;
  loss: number;
  /** Answer stage only: greedy exact-match accuracy, %. */
  accuracy?: number;
  n: number;
}

/** The trainer's validations with global steps. */
export function validationPoints(trainer: MeteorBrowser.Trainer): ValidationPoint[] {
  return trainer.state.validation.map((v) => ({
    global: trainer.stageStart(v.stage) + v.step,
    stage: v.stage,
    loss: v.loss,
    ...(v.accuracy !== undefined ? { accuracy: 100 * v.accuracy } : {}),
    n: v.n,
  }));
}

/**
 * Validation: each stage's loss on the validation samples (left) and, in the answer stage,
 * the share answered exactly (right), on the training curve's x axis.
 */
export function liveValidationChart(points: readonly ValidationPoint[], { width, totalSteps }: { width: number; totalSteps: number }): HTMLElement {
  const half = fitWidth(width / 2 - 10, 240);
  const x = { label: "training step", domain: [0, totalSteps] };
  const color = { legend: true, domain: ["pretrain", "embed", "answer"] };
  const loss = Plot.plot({
    width: half,
    height: 220,
    x,
    y: { label: "validation loss", grid: true },
    color,
    marks: [Plot.line(points, { x: "global", y: "loss", stroke: "stage", z: "stage" }), Plot.dot(points, { x: "global", y: "loss", fill: "stage" })],
  });
  const answered = points.filter((p) => p.accuracy !== undefined);
  const accuracy = Plot.plot({
    width: half,
    height: 220,
    x,
    y: { label: "validation accuracy (%)", domain: [0, 100], grid: true },
    marks: [
      Plot.line(answered, { x: "global", y: "accuracy", stroke: "var(--theme-foreground-focus)", marker: "circle" }),
      Plot.text(answered.slice(-1), { x: "global", y: "accuracy", text: (p: ValidationPoint) => `${p.accuracy!.toFixed(0)}% of ${p.n}`, dy: -10, textAnchor: "end" }),
      ...(answered.length ? [] : [Plot.text(["scored in the answer stage"], { frameAnchor: "middle", fill: "currentColor", fillOpacity: 0.6 })]),
    ],
  });
  return h("div", { style: "display:flex;flex-wrap:wrap;gap:20px" }, loss, accuracy);
}
