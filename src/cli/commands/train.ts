/**
 * `meteor train` — trains a small Meteor (or a baseline) on generated data, with a progress
 * bar, validation, atomic checkpoints, `--resume`, and a clean stop on Ctrl-C or a
 * non-finite loss (the last good checkpoint stays).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/io/atomic-file.ts";
import * as tf from "../../lib/tf.ts";
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { buildTokenizer, Tokenizer } from "../../lib/data/tokenizer.ts";
import { loadCheckpoint, saveCheckpoint } from "../../lib/io/meteor-checkpoint.ts";
import { METEOR_PRESETS, resolveMeteorConfig, type MeteorConfigInput } from "../../lib/meteor/config.ts";
import { initMeteorVariables } from "../../lib/meteor/params.ts";
import { TEMPLATE_TEXTS } from "../../lib/meteor/prompts.ts";
import { meteorConfigInputOf, resolveRunConfig, runConfigInput, type RunConfig, type RunConfigInput } from "../../lib/train/run-config.ts";
import { NonFiniteLossError } from "../../lib/train/step.ts";
import { Trainer, type TrainerState } from "../../lib/train/trainer.ts";
import type { Stage } from "../../lib/train/stages.ts";
import { BACKEND_OPTION, UsageError, parseCommandArgs } from "../args.ts";
import { readJsonObject } from "../config-file.ts";
import { runConfigOf, tokenizerOf } from "../load-run.ts";
import { checkTrainFlags } from "../train-flags.ts";
import { checkOutDir } from "../validate-out.ts";
import type { Command } from "../command.ts";
import { renderItems, runSamples } from "../datasets.ts";
import { trainStream } from "../../lib/train/run-data.ts";
import { assignBase, loadBaseCheckpoint, type BaseCheckpoint } from "../../lib/train/base-checkpoint.ts";
import { ProgressBar } from "../progress.ts";

const HELP = `meteor train --out DIR [options]

Trains on generated question–rationale–answer data and writes checkpoints to DIR
(DIR/latest.json → DIR/step-NNNNNN/), and DIR/summary.json (wall time, tokens/s,
validation history) at the end. Stages: pretrain (stands in for pretrained CLIP +
InternLM2), embed (Meteor step 1), answer (Meteor step 2).

  --preset tiny|small          model and schedule size (default tiny)
  --system meteor|mlm|oracle|rationale
                               Meteor, MLM alone, MLM with the rationale in its prompt, or
                               MLM trained to write the rationale then the answer (default meteor)
  --embedder mamba|gpt|bert    what embeds the rationale (default mamba; gpt/bert: matched Transformers)
  --rationale-share X          share of step-1 samples embedding their rationale, 0…1 (default 1)
  --config FILE.json           run config (fields of RunConfigInput); flags override it
  --seed N                     initialisation and data order (default 0)
  --steps-perceive N --steps-pretrain N --steps-embed N --steps-answer N
  --batch N  --lr X  --num-tor N  --placement even|start|end|random
  --train-size N               training samples (default: the preset's; with a stream, the
                               samples the tokenizer and the template prior are fitted on)
  --train-data fixed|stream    epochs over the training samples, or fresh generated samples
                               every step (default: the preset's)
  --perception-share X         share of training samples from the perception tier, 0…1
                               (needs both tiers; default: the preset's, study 0.4)
  --base DIR|none              start from this pretrained base checkpoint (vision encoder,
                               MLM vision projector, MLM, tokenizer) instead of a pretrain
                               stage (default: the preset's; study: data/checkpoints/study-base)
  --train-vision               keep training the vision encoder after pretraining
  --checkpoint-every N         steps between checkpoints (default 50)
  --resume                     continue from DIR's latest checkpoint
  --backend NAME               tensorflow | webgpu | wasm | cpu (default auto)`;

const OPTIONS = {
  out: { type: "string" },
  preset: { type: "string" },
  system: { type: "string" },
  embedder: { type: "string" },
  "rationale-share": { type: "string" },
  config: { type: "string" },
  seed: { type: "string" },
  "steps-perceive": { type: "string" },
  "steps-pretrain": { type: "string" },
  "steps-embed": { type: "string" },
  "steps-answer": { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
  "num-tor": { type: "string" },
  placement: { type: "string" },
  "train-size": { type: "string" },
  "train-data": { type: "string" },
  "perception-share": { type: "string" },
  base: { type: "string" },
  "train-vision": { type: "boolean" },
  "checkpoint-every": { type: "string" },
  resume: { type: "boolean" },
  ...BACKEND_OPTION,
} as const;

function num(flag: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${String(v)}"`);
  return n;
}

async function runInputFromArgs(values: Record<string, string | boolean | undefined>): Promise<RunConfigInput> {
  let base: Partial<RunConfigInput> = {};
  if (typeof values.config === "string") base = (await readJsonObject("--config", values.config)) as Partial<RunConfigInput>;
  const steps: Partial<Record<Stage, number>> = { ...base.steps };
  for (const s of ["perceive", "pretrain", "embed", "answer"] as const) {
    const n = num(`steps-${s}`, values[`steps-${s}`]);
    if (n !== undefined) steps[s] = n;
  }
  const pick = <T>(v: T | undefined, b: T | undefined) => (v !== undefined ? v : b);
  return {
    ...base,
    preset: (values.preset as string | undefined) ?? base.preset ?? "tiny",
    system: pick(values.system as RunConfigInput["system"], base.system),
    embedder: pick(values.embedder as RunConfigInput["embedder"], base.embedder),
    rationaleShare: pick(num("rationale-share", values["rationale-share"]), base.rationaleShare),
    seed: pick(num("seed", values.seed), base.seed),
    batchSize: pick(num("batch", values.batch), base.batchSize),
    lr: pick(num("lr", values.lr), base.lr),
    numTor: pick(num("num-tor", values["num-tor"]), base.numTor),
    placement: pick(values.placement as RunConfigInput["placement"], base.placement),
    trainSize: pick(num("train-size", values["train-size"]), base.trainSize),
    trainData: pick(values["train-data"] as RunConfigInput["trainData"], base.trainData),
    perceptionShare: pick(num("perception-share", values["perception-share"]), base.perceptionShare),
    base: pick(values.base === "none" ? null : (values.base as string | undefined), base.base),
    trainVision: pick(values["train-vision"] as boolean | undefined, base.trainVision),
    steps,
  };
}

export const trainCommand: Command = {
  summary: "train a small Meteor or a baseline on generated data",
  async run(argv) {
    const args = parseCommandArgs(argv, OPTIONS, HELP);
    if (!args) return;
    const out = args.values.out;
    if (typeof out !== "string") throw new UsageError(`--out DIR is required\n\n${HELP}`);
    checkTrainFlags(args.values);
    checkOutDir(out, args.values.resume ? {} : { refuseRun: "pass --resume to continue it, or choose another --out" });
    const backend = await initBackend({ backend: args.values.backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const checkpointEvery = num("checkpoint-every", args.values["checkpoint-every"]) ?? 50;

    // What to train: a fresh run, or the run saved in DIR.
    let run: RunConfig;
    let tokenizer: Tokenizer;
    let meteorInput: MeteorConfigInput;
    let resumed: Awaited<ReturnType<typeof loadCheckpoint>> | undefined;
    let pretrained: BaseCheckpoint | undefined;
    if (args.values.resume) {
      resumed = await loadCheckpoint(out);
      run = runConfigOf(resumed);
      tokenizer = tokenizerOf(resumed);
      meteorInput = resumed.configInput;
      console.error(`resuming ${resumed.dir}`);
    } else {
      run = resolveRunConfig(await runInputFromArgs(args.values));
      if (!(run.preset in METEOR_PRESETS)) throw new UsageError(`unknown preset ${run.preset}`);
      if (run.base) {
        pretrained = await loadBaseCheckpoint(run.base);
        tokenizer = pretrained.tokenizer;
        console.error(`base: ${pretrained.dir}`);
      } else {
        const trainSamples = runSamples(run, "train");
        tokenizer = buildTokenizer([...trainSamples.flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
      }
      meteorInput = meteorConfigInputOf(run, tokenizer.vocabSize);
    }
    const cfg = resolveMeteorConfig(meteorInput);
    const train = run.trainData === "stream" ? trainStream(run, cfg.vision.imageSize) : await renderItems(runSamples(run, "train"), cfg.vision.imageSize, "render train");
    const validation = await renderItems(runSamples(run, "validation"), cfg.vision.imageSize, "render val  ");

    const vars = initMeteorVariables(cfg, run.seed);
    if (pretrained) {
      try {
        assignBase(pretrained, cfg, vars);
      } finally {
        tf.dispose(Object.values(pretrained.weights));
      }
    }
    if (resumed) {
      for (const [n, t] of Object.entries(resumed.params)) vars[n]!.assign(t);
      tf.dispose(Object.values(resumed.params));
    }
    const trainer = new Trainer(
      cfg,
      vars,
      tokenizer,
      { train, validation },
      run.train,
      resumed?.state ? { state: resumed.state as TrainerState, ...(resumed.optimizer ? { optimizer: resumed.optimizer } : {}) } : undefined,
    );
    console.error(
      `training ${run.system} (${run.preset}): ${trainer.stages.map((s) => `${s} ${trainer.stageSteps(s)}`).join(", ")} steps, batch ${run.train.batchSize}, backend ${backend}`,
    );

    const save = async () => {
      const saved = await saveCheckpoint(
        out,
        {
          config: meteorInput,
          training: runConfigInput(run),
          params: vars,
          tokenizer: tokenizer.toJSON(),
          ...(trainer.optimizer.state.step > 0 ? { optimizer: trainer.optimizer.state } : {}),
          state: trainer.state,
        },
        { step: trainer.globalStep },
      );
      return saved.dir;
    };

    let interrupted = false;
    const onSigint = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      bar.log("interrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)");
    };
    process.on("SIGINT", onSigint);
    const bar = new ProgressBar(trainer.totalSteps, "train");
    const t0 = performance.now();
    let tokens = 0;
    let inputTokens = 0;
    try {
      while (!trainer.finished && !interrupted) {
        let r;
        try {
          r = await trainer.step();
        } catch (e) {
          if (e instanceof NonFiniteLossError) {
            throw new NonFiniteLossError(`${e.message}. Training stopped at step ${trainer.globalStep}; the last good checkpoint in ${out} is kept.`);
          }
          throw e;
        }
        tokens += r.tokens;
        inputTokens += r.inputTokens;
        const secs = (performance.now() - t0) / 1000;
        bar.update(r.globalStep, { stage: r.stage, loss: r.loss, lr: r.lr, "tok/s": inputTokens / secs });
        if (trainer.validationDue(r)) {
          const v = await trainer.validate(r.stage, r.stageStep);
          bar.log(
            `validation after ${r.stage} step ${r.stageStep}: loss ${v.loss.toFixed(4)}${v.accuracy !== undefined ? `, accuracy ${(100 * v.accuracy).toFixed(1)}% of ${v.n}` : ""}`,
          );
        }
        if (r.globalStep % checkpointEvery === 0 || r.stageStep === r.stageSteps) await save();
      }
      const dir = await save();
      const secs = (performance.now() - t0) / 1000;
      const summary = {
        system: run.system,
        preset: run.preset,
        backend,
        checkpoint: dir,
        finished: trainer.finished,
        steps: trainer.globalStep,
        wallSeconds: secs,
        tokensPerSecond: inputTokens / secs,
        targetTokensPerSecond: tokens / secs,
        validation: trainer.state.validation,
      };
      await writeFileAtomic(join(out, "summary.json"), new TextEncoder().encode(`${JSON.stringify(summary, null, 1)}\n`));
      console.error(`${interrupted ? "stopped" : "done"} after ${trainer.globalStep} steps in ${secs.toFixed(0)} s (${(inputTokens / secs).toFixed(0)} tokens/s read, ${(tokens / secs).toFixed(0)} target tokens/s); checkpoint ${dir}`);
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};
