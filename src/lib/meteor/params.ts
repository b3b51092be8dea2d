/**
 * Meteor's parameters: creation, the flat checkpoint naming (`vision.*`, `mamba.*`, `mlm.*`
 * and the projectors' own prefixes), and which parts each training stage updates. A
 * Transformer rationale embedder ("gpt", "bert") is named `embedder.*` and belongs to the
 * part "mamba" (the rationale embedder, whatever its kind).
 */
import type * as tf from "../tf.ts";
import { initMambaParams, mambaParamShapes } from "../mamba/params.ts";
import { initMlmParams, mlmParamShapes } from "../mlm/params.ts";
import { initVisionParams, visionParamShapes } from "../vision/params.ts";
import { initTransformerEmbedderParams, transformerEmbedderShapes } from "../embedder/params.ts";
import { PROJECTORS, type MeteorConfig } from "./config.ts";
import type { MeteorParams } from "./model.ts";
import { initProjector, projectorShapes } from "./projector.ts";
import { FACT_HEAD_PREFIX, factHeadShapes, initFactHead } from "../vision/fact-head.ts";

export type MeteorPart = "vision" | "mlmVisionProjector" | "mlm" | "mambaVisionProjector" | "mamba" | "torProjector" | "factHead";

const PART_PREFIXES: Record<MeteorPart, readonly string[]> = {
  vision: ["vision."],
  mlm: ["mlm."],
  mamba: ["mamba.", "embedder."],
  mlmVisionProjector: [`${PROJECTORS.mlmVision}.`],
  mambaVisionProjector: [`${PROJECTORS.mambaVision}.`],
  torProjector: [`${PROJECTORS.tor}.`],
  factHead: [`${FACT_HEAD_PREFIX}.`],
};

/** Every parameter's flat checkpoint name and shape. */
export function meteorParamShapes(cfg: MeteorConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (prefix: string, m: Map<string, number[]>) => m.forEach((s, n) => out.set(`${prefix}${n}`, s));
  add("vision.", visionParamShapes(cfg.vision));
  const norm = { norm: cfg.imageFeatureNorm };
  add("", projectorShapes(PROJECTORS.mlmVision, cfg.vision.dModel, cfg.mlm.dModel, norm));
  add("", projectorShapes(PROJECTORS.mambaVision, cfg.vision.dModel, cfg.mamba.dModel, norm));
  if (cfg.transformer) add("embedder.", transformerEmbedderShapes(cfg.transformer));
  else add("mamba.", mambaParamShapes(cfg.mamba));
  add("", projectorShapes(PROJECTORS.tor, cfg.mamba.dModel, cfg.mlm.dModel));
  add("mlm.", mlmParamShapes(cfg.mlm));
  if (cfg.factHead) add("", factHeadShapes(cfg.vision));
  return out;
}

/** Fresh trainable parameters, flat-named, deterministic from `seed` (each part its own stream). */
export function initMeteorVariables(cfg: MeteorConfig, seed: number): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  const add = (prefix: string, rec: Record<string, tf.Variable>) => {
    for (const [n, v] of Object.entries(rec)) out[`${prefix}${n}`] = v;
  };
  add("vision.", initVisionParams(cfg.vision, seed * 7 + 1));
  const norm = { norm: cfg.imageFeatureNorm };
  add("", initProjector(PROJECTORS.mlmVision, cfg.vision.dModel, cfg.mlm.dModel, seed * 7 + 2, norm));
  add("", initProjector(PROJECTORS.mambaVision, cfg.vision.dModel, cfg.mamba.dModel, seed * 7 + 3, norm));
  if (cfg.transformer) add("embedder.", initTransformerEmbedderParams(cfg.transformer, seed * 7 + 4));
  else add("mamba.", initMambaParams(cfg.mamba, seed * 7 + 4));
  add("", initProjector(PROJECTORS.tor, cfg.mamba.dModel, cfg.mlm.dModel, seed * 7 + 5));
  add("mlm.", initMlmParams(cfg.mlm, seed * 7 + 6));
  if (cfg.factHead) add("", initFactHead(cfg.vision, seed * 7 + 7));
  return out;
}

/** The structured view the forward reads, over flat-named tensors (no copies). */
export function structureParams(flat: Readonly<Record<string, tf.Tensor>>): MeteorParams {
  const strip = (prefix: string) =>
    Object.fromEntries(Object.entries(flat).filter(([n]) => n.startsWith(prefix)).map(([n, t]) => [n.slice(prefix.length), t]));
  const projectors = Object.fromEntries(
    Object.entries(flat).filter(([n]) => Object.values(PROJECTORS).some((p) => n.startsWith(`${p}.`))),
  );
  const factHead = Object.fromEntries(Object.entries(flat).filter(([n]) => n.startsWith(`${FACT_HEAD_PREFIX}.`)));
  return { vision: strip("vision."), mamba: strip("mamba."), embedder: strip("embedder."), mlm: strip("mlm."), projectors, factHead };
}

/** The part a flat name belongs to. */
export function partOf(name: string): MeteorPart {
  for (const [part, prefixes] of Object.entries(PART_PREFIXES) as [MeteorPart, readonly string[]][]) {
    if (prefixes.some((p) => name.startsWith(p))) return part;
  }
  throw new Error(`parameter ${name} belongs to no Meteor part`);
}

/** The subset of `vars` whose part is in `parts`. */
export function selectParts<T>(vars: Readonly<Record<string, T>>, parts: readonly MeteorPart[]): Record<string, T> {
  return Object.fromEntries(Object.entries(vars).filter(([n]) => parts.includes(partOf(n))));
}
