/**
 * Fuzz targets: the config resolvers (`resolveMambaConfig`, `resolveMeteorConfig` with its
 * vision and MLM sections, `resolveRunConfig`) on presets with fields set to hostile values
 * (wrong types, NaN, ±Infinity, unsafe integers, fractions), removed, renamed or joined by
 * unknown keys, and on arbitrary JSON values. Only ConfigError may come out.
 *
 * A resolved config must have exactly the fields of the resolved preset, of the same types,
 * every number finite, every integer field a safe integer (derived sizes such as dInner:
 * finite integers), and be frozen. A run config must also name a real preset, families and
 * stages, have a numTor placeTor accepts and a positive lr and clipNorm, and survive
 * `runConfigInput` → `resolveRunConfig` unchanged (what a checkpoint stores and a resumed
 * run reads back).
 */
import { FAMILIES } from "../../../src/lib/data/sample.ts";
import { ConfigError, MAMBA_PRESETS, resolveMambaConfig, type MambaConfigInput } from "../../../src/lib/mamba/config.ts";
import { METEOR_PRESETS, resolveMeteorConfig, type MeteorConfigInput } from "../../../src/lib/meteor/config.ts";
import { resolveRunConfig, runConfigInput, type RunConfig, type RunConfigInput } from "../../../src/lib/train/run-config.ts";
import type { FuzzTarget } from "../harness.ts";
import { mutateValue, randomJson, show } from "../mutate.ts";

/** Fields whose values are real numbers; every other numeric field must hold an integer. */
const REAL_FIELDS = new Set(["rmsNormEps", "dtMin", "dtMax", "dtInitFloor", "layerNormEps", "ropeTheta", "lr", "clipNorm", "lrFloorRatio", "pixelMean", "pixelStd"]);
/** Products of safe integers: integers, finite, not necessarily below 2^53. */
const DERIVED_FIELDS = new Set(["dInner", "numPatches"]);

/** A problem with `got` against the reference resolved config `ref`, or null. */
function shapeProblem(ref: unknown, got: unknown, path = "config"): string | null {
  if (typeof ref !== typeof got || Array.isArray(ref) !== Array.isArray(got) || (ref === null) !== (got === null)) {
    return `${path} is ${show(got)}, expected a ${Array.isArray(ref) ? "list" : typeof ref}`;
  }
  if (typeof got === "number") {
    if (!Number.isFinite(got)) return `${path} = ${show(got)} is not finite`;
    const key = path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, ""); // a list's elements: the list's field
    if (DERIVED_FIELDS.has(key) ? !Number.isInteger(got) : !REAL_FIELDS.has(key) && !Number.isSafeInteger(got)) {
      return `${path} = ${show(got)} is not a${DERIVED_FIELDS.has(key) ? "n" : " safe"} integer`;
    }
  }
  if (Array.isArray(got)) {
    for (const [i, v] of got.entries()) {
      const p = shapeProblem((ref as unknown[])[0], v, `${path}[${i}]`);
      if (p) return p;
    }
  } else if (got !== null && typeof got === "object") {
    const r = ref as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const extra = Object.keys(g).filter((k) => !(k in r));
    if (extra.length > 0) return `${path} has unexpected field(s) ${extra.join(", ")}`;
    for (const k of Object.keys(r)) {
      if (!Object.hasOwn(g, k)) return `${path}.${k} is missing`;
      const p = shapeProblem(r[k], g[k], `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

const FIELD_TYPOS = ["dstate", "d_model", "nlayers", "__proto__", "constructor", "toString", "vocab", "numtor", "pretrian", "batch", "learningRate"];

interface ConfigInput {
  value: unknown;
}

function configTarget<R>(opts: {
  name: string;
  about: string;
  bases: readonly unknown[];
  resolve: (v: unknown) => R;
  reference: R;
  extra?: (got: R) => string | null;
  ciCount: number;
}): FuzzTarget<ConfigInput, R> {
  return {
    name: opts.name,
    about: opts.about,
    errors: [ConfigError],
    ciCount: opts.ciCount,
    generate(rand) {
      if (rand.chance(0.1)) {
        const value = randomJson(rand, 3);
        return { input: { value }, label: `random ${show(value)}` };
      }
      const m = mutateValue(rand, rand.pick(opts.bases), FIELD_TYPOS);
      return { input: { value: m.value }, label: m.label };
    },
    call: ({ value }) => opts.resolve(value),
    check(outcome) {
      if (!outcome.ok) return null;
      if (!Object.isFrozen(outcome.value)) return "resolved config is not frozen";
      return shapeProblem(opts.reference, outcome.value) ?? opts.extra?.(outcome.value) ?? null;
    },
  };
}

export const mambaConfigTarget = configTarget({
  name: "mamba-config",
  about: "mutated Mamba configs and random JSON → resolveMambaConfig",
  ciCount: 700,
  bases: [
    MAMBA_PRESETS.tiny,
    MAMBA_PRESETS["mamba-130m"],
    { dModel: 32, nLayer: 2, vocabSize: 50, dState: 4, expand: 2, dConv: 3, dtRank: 5, convBias: false, projBias: true, rmsNormEps: 1e-6, tieEmbeddings: false, dtMin: 0.01, dtMax: 0.05, dtInitFloor: 1e-3 },
  ],
  resolve: (v) => resolveMambaConfig(v as MambaConfigInput),
  reference: resolveMambaConfig(MAMBA_PRESETS.tiny),
  extra: (c) => (c.dInner !== c.expand * c.dModel ? `dInner ${c.dInner} ≠ expand·dModel` : c.dtMin > c.dtMax ? "dtMin > dtMax" : null),
});

export const meteorConfigTarget = configTarget({
  name: "meteor-config",
  about: "mutated Meteor configs (vision, mamba, mlm sections) → resolveMeteorConfig",
  ciCount: 700,
  bases: [{ ...METEOR_PRESETS.tiny, numTor: 4 }, METEOR_PRESETS.small, METEOR_PRESETS["meteor-7b"]],
  resolve: (v) => resolveMeteorConfig(v as MeteorConfigInput),
  reference: resolveMeteorConfig(METEOR_PRESETS.tiny),
  extra: (c) =>
    c.mamba.vocabSize !== c.vocabSize || c.mlm.vocabSize !== c.vocabSize || c.mlm.outputVocab !== c.vocabSize - 2
      ? "part vocabularies disagree with vocabSize"
      : null,
});

const STAGE_NAMES = new Set(["perceive", "pretrain", "embed", "answer"]);

export const runConfigTarget = configTarget({
  name: "run-config",
  about: "mutated run configs (a --config file) → resolveRunConfig",
  ciCount: 700,
  bases: [
    { preset: "tiny" },
    { preset: "small", system: "mlm" },
    {
      preset: "tiny", system: "meteor", seed: 3, numTor: 5, dataSeed: 1, trainSize: 64, validationSize: 8, testSize: 8,
      families: ["chart", "scene"], steps: { pretrain: 4, embed: 2, answer: 3 }, batchSize: 4, lr: 0.001, warmupSteps: 2,
      clipNorm: 0.5, trainVision: true, placement: "random", evalEvery: 5,
    } satisfies RunConfigInput,
  ],
  resolve: (v) => resolveRunConfig(v as RunConfigInput),
  reference: resolveRunConfig({ preset: "tiny" }),
  extra(c: RunConfig) {
    if (!Object.hasOwn(METEOR_PRESETS, c.preset)) return `preset "${c.preset}" is not a Meteor preset`;
    if (c.families.length === 0 || new Set(c.families).size !== c.families.length) return `families ${show(c.families)}`;
    if (c.families.some((f) => !FAMILIES.includes(f))) return `unknown family in ${show(c.families)}`;
    const stages = Object.keys(c.train.steps);
    if (stages.some((s) => !STAGE_NAMES.has(s))) return `train.steps has unknown stage(s): ${stages.join(", ")}`;
    if (!(c.train.lr > 0) || !(c.train.clipNorm > 0)) return `lr ${c.train.lr}, clipNorm ${c.train.clipNorm} must be positive`;
    if (c.numTor < 2) return `numTor ${c.numTor}: placeTor needs at least 2`;
    let again: RunConfig;
    try {
      again = resolveRunConfig(runConfigInput(c));
    } catch (e) {
      return `runConfigInput → resolveRunConfig throws ${(e as Error).message}`;
    }
    return JSON.stringify(again) === JSON.stringify(c) ? null : "runConfigInput → resolveRunConfig changes the config";
  },
});
