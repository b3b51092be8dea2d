/**
 * A sweep as a list of independent cells. A cell is one training run (one seed of one
 * variant), named by the hash of its whole resolved run config, so the same run reached
 * from two factors (the full model is in all six) is one cell, and a cell's id means the
 * same run on every machine. Cells come seed-major — every cell of seed 0, then seed 1 —
 * so a partial sweep already covers every factor.
 *
 * The pretrain stage depends on far fewer fields than a cell (not on the embedder, `<tor>`
 * count or placement, share or system): `pretrainFields` lists exactly those, and cells
 * that agree on them share one pretrained checkpoint.
 */
import { ConfigError } from "../config-fields.ts";
import { meteorConfigInputOf, resolveRunConfig, runConfigInput, type RunConfig, type RunConfigInput } from "../train/run-config.ts";
import { FACTOR_NAMES, FULL_MODEL, ablationFactors, type Factor, type FactorName } from "./factors.ts";
import { configHash } from "./hash.ts";

export interface PlanOptions {
  /** Run preset, "tiny" or "small". */
  preset: string;
  /** Factors to sweep; default all. */
  factors?: readonly FactorName[];
  /** Seeds 0 … seeds−1. Default 3. */
  seeds?: number;
  /** Run fields for every cell (step counts, data sizes…) beneath each variant's own. */
  base?: Omit<RunConfigInput, "preset" | "seed">;
}

export interface CellLabel {
  factor: FactorName;
  variant: string;
}

export interface PlannedCell {
  /** The first 16 hex digits of `key`. */
  id: string;
  /** configHash of the resolved run config (with the preset's sizes). */
  key: string;
  /** configHash of `pretrainFields(run)`. */
  pretrainKey: string;
  seed: number;
  /** Every (factor, variant) this cell stands for. */
  labels: CellLabel[];
  /** The resolved run, as an input that reproduces it. */
  run: RunConfigInput;
}

export interface Plan {
  preset: string;
  seeds: number;
  factors: Factor[];
  cells: PlannedCell[];
}

/** Everything the pretrain stage's weights and logs depend on (see stages.ts: vision + MLM on rationales, MLM prompt). */
export function pretrainFields(run: RunConfig): unknown {
  const sizes = meteorConfigInputOf(run, 0);
  return {
    vision: sizes.vision,
    mlm: sizes.mlm,
    seed: run.seed,
    dataSeed: run.dataSeed,
    trainSize: run.trainSize,
    validationSize: run.validationSize,
    families: run.families,
    steps: run.train.steps.pretrain,
    batchSize: run.train.batchSize,
    lr: run.train.lr,
    lrFloorRatio: run.train.lrFloorRatio,
    warmupSteps: run.train.warmupSteps,
    clipNorm: run.train.clipNorm,
    evalEvery: run.train.evalEvery,
  };
}

/** What a cell's result depends on: the run, and the preset's sizes as the code defines them today. */
export function cellFields(run: RunConfig): unknown {
  const { vocabSize: _, ...sizes } = meteorConfigInputOf(run, 0);
  return {
    run: runConfigInput(run),
    sizes,
    lrFloorRatio: run.train.lrFloorRatio,
    // "random" <tor> placement now draws each rationale's own positions (it drew one pattern
    // per length before): only these cells are recomputed, not the whole cache.
    ...(run.train.placement === "random" ? { randomPlacement: "per-rationale" } : {}),
  };
}

export function planCells(opts: PlanOptions): Plan {
  const seeds = opts.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError(`seeds must be a positive integer, got ${seeds}`);
  const all = ablationFactors(opts.preset);
  const names = opts.factors ?? FACTOR_NAMES;
  for (const n of names) if (!FACTOR_NAMES.includes(n)) throw new ConfigError(`unknown ablation factor "${n}"; known: ${FACTOR_NAMES.join(", ")}`);
  const missing = names.filter((n) => !all.some((f) => f.name === n));
  if (missing.length && names.length < FACTOR_NAMES.length) throw new ConfigError(`preset "${opts.preset}" has no factor ${missing.join(", ")} (it starts from a base checkpoint, whose MLM size is fixed)`);
  const factors = all.filter((f) => names.includes(f.name));
  const cells: PlannedCell[] = [];
  const byKey = new Map<string, PlannedCell>();
  for (let seed = 0; seed < seeds; seed++) {
    for (const factor of factors) {
      for (const variant of factor.variants) {
        const model = mergeModel(opts.base?.model, variant.overrides.model);
        const input: RunConfigInput = { ...opts.base, ...FULL_MODEL, ...variant.overrides, ...(model ? { model } : {}), preset: opts.preset, seed };
        const run = resolveRunConfig(input);
        const key = configHash("cell", cellFields(run));
        let cell = byKey.get(key);
        if (!cell) {
          cell = { id: key.slice(0, 16), key, pretrainKey: configHash("pretrain", pretrainFields(run)), seed, labels: [], run: runConfigInput(run) };
          byKey.set(key, cell);
          cells.push(cell);
        }
        cell.labels.push({ factor: factor.name, variant: variant.id });
      }
    }
  }
  return { preset: opts.preset, seeds, factors, cells };
}

/** The cell `id` (or a unique prefix of at least 6 hex digits) of `plan`, or a ConfigError saying why not. */
export function findCell(plan: Plan, id: string): PlannedCell {
  if (!/^[0-9a-f]{6,64}$/.test(id)) throw new ConfigError(`bad cell id "${id}": expected 6–64 lower-case hex digits (see --plan)`);
  const found = plan.cells.filter((c) => c.key.startsWith(id));
  if (found.length === 0) throw new ConfigError(`no cell "${id}" in the plan (preset ${plan.preset}, ${plan.seeds} seeds, factors ${plan.factors.map((f) => f.name).join(", ")}); list them with --plan`);
  if (found.length > 1) throw new ConfigError(`cell id "${id}" is ambiguous: ${found.map((c) => c.id).join(", ")}`);
  return found[0]!;
}

/** Per-part merge of size overrides: the variant's fields win. */
function mergeModel(base: RunConfigInput["model"], own: RunConfigInput["model"]): RunConfigInput["model"] {
  if (!base) return own;
  if (!own) return base;
  return { vision: { ...base.vision, ...own.vision }, mamba: { ...base.mamba, ...own.mamba }, mlm: { ...base.mlm, ...own.mlm } };
}

export const labelText = (l: readonly CellLabel[]): string => l.map((x) => `${x.factor}=${x.variant}`).join(", ");
