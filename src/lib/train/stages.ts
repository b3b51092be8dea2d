/**
 * The training stages and what each updates.
 *
 *   perceive — playground only: stands in for CLIP's own pretraining. The vision encoder
 *              and its perception head learn to read every image's structured facts
 *              (`vision/fact-head.ts`); no language model is involved.
 *   pretrain — playground only: stands in for the pretrained CLIP and InternLM2 that the
 *              paper starts from (ours are trained from scratch). Vision encoder, MLM vision
 *              projector and MLM learn to write the rationale for image + question.
 *   embed    — Meteor's step 1: the MLM is frozen; Mamba, its vision projector and the tor
 *              projector learn to embed the rationale in the `<tor>` features (the MLM must
 *              regenerate it from them alone, so its own vision projector is not used).
 *   answer   — Meteor's step 2: everything but the vision encoder trains to answer; the Mamba
 *              sees bare `<tor>` tokens. The baselines ("mlm", "oracle", "rationale") train
 *              only this stage after pretraining, on their own prompts ("rationale": the
 *              MLM writes the rationale, then the answer).
 * The vision encoder is frozen after pretraining by default, as Meteor freezes CLIP;
 * `trainVision` unfreezes it in the later stages. After a perceive stage it is frozen in
 * pretraining too (it has learnt to read; LLaVA likewise freezes CLIP while aligning).
 */
import type { MeteorPart } from "../meteor/params.ts";
import type { MlmPromptKind } from "../meteor/prompts.ts";

export type Stage = "perceive" | "pretrain" | "embed" | "answer";
export type System = MlmPromptKind;

export const STAGES_OF: Record<System, readonly Stage[]> = {
  meteor: ["perceive", "pretrain", "embed", "answer"],
  mlm: ["perceive", "pretrain", "answer"],
  oracle: ["perceive", "pretrain", "answer"],
  rationale: ["perceive", "pretrain", "answer"],
};

export function trainableParts(stage: Stage, system: System, opts: { trainVision?: boolean; perceived?: boolean } = {}): MeteorPart[] {
  const vision: MeteorPart[] = opts.trainVision ? ["vision"] : [];
  switch (stage) {
    case "perceive":
      return ["vision", "factHead"];
    case "pretrain":
      return [...(opts.perceived ? vision : ["vision" as const]), "mlmVisionProjector", "mlm"];
    case "embed":
      if (system !== "meteor") throw new Error(`stage "embed" exists only for the meteor system, not "${system}"`);
      return [...vision, "mambaVisionProjector", "mamba", "torProjector"];
    case "answer":
      return system === "meteor"
        ? [...vision, "mlmVisionProjector", "mlm", "mambaVisionProjector", "mamba", "torProjector"]
        : [...vision, "mlmVisionProjector", "mlm"];
  }
}

/** How the batch of a stage is built: which prompt, and whether the target is the rationale. */
export function batchKind(stage: Exclude<Stage, "perceive">, system: System): { system: System; stage: "embed" | "answer" } {
  if (stage === "pretrain") return { system: "mlm", stage: "embed" }; // MLM prompt without <tor>, rationale target
  return { system, stage };
}
