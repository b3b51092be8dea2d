/**
 * The training stages and what each updates.
 *
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
 * `trainVision` unfreezes it in the later stages.
 */
import type { MeteorPart } from "../meteor/params.ts";
import type { MlmPromptKind } from "../meteor/prompts.ts";

export type Stage = "pretrain" | "embed" | "answer";
export type System = MlmPromptKind;

export const STAGES_OF: Record<System, readonly Stage[]> = {
  meteor: ["pretrain", "embed", "answer"],
  mlm: ["pretrain", "answer"],
  oracle: ["pretrain", "answer"],
  rationale: ["pretrain", "answer"],
};

export function trainableParts(stage: Stage, system: System, opts: { trainVision?: boolean } = {}): MeteorPart[] {
  const vision: MeteorPart[] = opts.trainVision ? ["vision"] : [];
  switch (stage) {
    case "pretrain":
      return ["vision", "mlmVisionProjector", "mlm"];
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
export function batchKind(stage: Stage, system: System): { system: System; stage: "embed" | "answer" } {
  if (stage === "pretrain") return { system: "mlm", stage: "embed" }; // MLM prompt without <tor>, rationale target
  return { system, stage };
}
