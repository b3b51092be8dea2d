/**
 * Where a training step's time goes: `npm run bench -- profile [--preset small] [--stage answer]`.
 *
 * A fresh Trainer on generated data (as the train bench builds it) takes `warmup` untimed
 * steps, then `steps` steps under `tf.profile`, whose kernel records (name, milliseconds) are
 * grouped by op kind (`opKind`). Kernels launched while the optimizer runs (`AdamW.apply`)
 * count as "optimizer" whatever their name; "framework" is the step's wall time minus every
 * kernel's: tape bookkeeping, tidy scopes, allocation outside kernels, batch building and
 * the one read-back of loss and gradient norm.
 *
 * Profiling times each kernel synchronously (cpu and wasm are synchronous backends), so the
 * profiled step is a little slower than an unprofiled one; its wall time is reported beside
 * the shares.
 */
import * as tf from "../src/lib/tf.ts";
import { initMeteorVariables } from "../src/lib/meteor/params.ts";
import { resolveRunConfig } from "../src/lib/train/run-config.ts";
import { Trainer } from "../src/lib/train/trainer.ts";
import { loadNative } from "../src/kernels/native/load.ts";
import { nativeKernelsActive, setFusedKernels } from "../src/kernels/native/register.ts";
import type { BenchOptions } from "./options.ts";
import { ourThreads, presetData, type TrainStage } from "./train.ts";

export type OpKind = "matmul" | "scan" | "element-wise" | "gather/scatter" | "layout" | "optimizer" | "framework";

export const OP_KINDS: readonly OpKind[] = ["matmul", "scan", "element-wise", "gather/scatter", "layout", "optimizer", "framework"];

const MATMUL = new Set(["BatchMatMul", "_FusedMatMul", "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]);
const GATHER = new Set(["GatherV2", "GatherNd", "ScatterNd", "UnsortedSegmentSum", "OneHot", "SparseToDense", "TensorScatterUpdate"]);
const LAYOUT = new Set(["Transpose", "Reshape", "Slice", "StridedSlice", "Concat", "Pack", "Unpack", "SplitV", "Pad", "MirrorPad", "Tile", "Cast", "Identity", "Fill", "ZerosLike", "OnesLike", "Range", "Reverse", "BroadcastTo"]);

/** The op kind of a kernel launched outside the optimizer. */
export function opKind(kernelName: string): Exclude<OpKind, "optimizer" | "framework"> {
  if (MATMUL.has(kernelName)) return "matmul";
  if (kernelName.includes("SelectiveScan")) return "scan";
  if (GATHER.has(kernelName)) return "gather/scatter";
  if (LAYOUT.has(kernelName)) return "layout";
  return "element-wise"; // unary, binary, reductions, softmax, fused norms and activations
}

/** "fused": the library as it runs; "composed": the fused ops' native kernels turned off (the model composes tfjs ops). */
export type ProfileVariant = "composed" | "fused";

export interface ProfileRow {
  bench: "profile";
  preset: string;
  stage: TrainStage;
  variant: ProfileVariant;
  kind: OpKind;
  /** Mean milliseconds per step. */
  ms: number;
  /** Share of the step's wall time. */
  share: number;
  /** Kernel launches per step (0 for "framework"). */
  launches: number;
}

/** One kernel name's time (the heaviest 15 per step). */
export interface KernelRow {
  bench: "profile-kernel";
  preset: string;
  stage: TrainStage;
  variant: ProfileVariant;
  kernel: string;
  kind: OpKind;
  ms: number;
  launches: number;
}

export interface ProfileBenchResult {
  /** By op kind, then the heaviest kernels by name (mean per step; optimizer kernels apart). */
  rows: (ProfileRow | KernelRow)[];
  /** Mean profiled step wall time (ms) per variant. */
  stepMs: Partial<Record<ProfileVariant, number>>;
  notes: string[];
}

export interface ProfileBenchOptions extends BenchOptions {
  /** Default "small" (--quick: "tiny"). */
  preset?: string;
  /** Default "answer". */
  stage?: TrainStage;
  /** Profiled steps, averaged. Default 2 (--quick: 1). */
  steps?: number;
  /** Untimed steps first. Default 1. */
  warmup?: number;
}

interface ProfileKernel {
  name: string;
  kernelTimeMs: number | { error: string };
}

export async function runProfileBench(opts: ProfileBenchOptions): Promise<ProfileBenchResult> {
  const preset = opts.preset ?? (opts.quick ? "tiny" : "small");
  const stage = opts.stage ?? "answer";
  const steps = opts.steps ?? (opts.quick ? 1 : 2);
  const warmup = opts.warmup ?? 1;
  const data = await presetData(preset, Math.max(64, resolveRunConfig({ preset }).train.batchSize * (warmup + steps)), opts.log);
  const native = loadNative() !== null && nativeKernelsActive(tf.getBackend());
  const rows: (ProfileRow | KernelRow)[] = [];
  const stepMs: ProfileBenchResult["stepMs"] = {};
  // composed first, then fused (as the library runs): the same data, a fresh trainer each
  for (const variant of native ? (["composed", "fused"] as const) : (["fused"] as const)) {
    if (native) setFusedKernels(variant === "fused");
    try {
      const r = await profileVariant({ ...data, preset, stage, steps, warmup, variant, log: opts.log });
      rows.push(...r.rows);
      stepMs[variant] = r.stepMs;
    } finally {
      if (native) setFusedKernels(true);
    }
  }
  const notes = [
    `${tf.getBackend()} backend, ${ourThreads()} thread(s); ${steps} profiled step(s) after ${warmup} warm-up, per variant`,
    native ? "composed: the fused ops' native kernels off (norms etc. as composed tfjs ops); fused: as the library runs" : "native kernels inactive: the composed ops only",
  ];
  return { rows, stepMs, notes };
}

async function profileVariant(o: Awaited<ReturnType<typeof presetData>> & { preset: string; stage: TrainStage; steps: number; warmup: number; variant: ProfileVariant; log: (line: string) => void }): Promise<{ rows: (ProfileRow | KernelRow)[]; stepMs: number }> {
  const { run, cfg, tokenizer, train, preset, stage, steps, warmup, variant } = o;
  const options = { ...run.train, steps: { pretrain: 0, embed: stage === "embed" ? warmup + steps : 0, answer: stage === "answer" ? warmup + steps : 0 } };
  const vars = initMeteorVariables(cfg, run.seed);
  const trainer = new Trainer(cfg, vars, tokenizer, { train, validation: [] }, options);
  const byKind = new Map<OpKind, { ms: number; launches: number }>(OP_KINDS.map((k) => [k, { ms: 0, launches: 0 }]));
  const byName = new Map<string, KernelRow>();
  let wall = 0;
  try {
    for (let i = 0; i < warmup; i++) await trainer.step();
    // kernels the optimizer launches: between these indices of the active profile's records
    const optimizerSpans: [number, number][] = [];
    const apply = trainer.optimizer.apply.bind(trainer.optimizer);
    const records = () => (tf.engine().state as unknown as { activeProfile: { kernels: unknown[] } }).activeProfile.kernels.length;
    trainer.optimizer.apply = (...args) => {
      const start = records();
      apply(...args);
      optimizerSpans.push([start, records()]);
    };
    for (let i = 0; i < steps; i++) {
      optimizerSpans.length = 0;
      const t0 = performance.now();
      const info = await tf.profile(async () => {
        await trainer.step();
        return [];
      });
      const ms = performance.now() - t0;
      wall += ms;
      let kernelMs = 0;
      (info.kernels as unknown as ProfileKernel[]).forEach((k, index) => {
        const t = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
        const inOptimizer = optimizerSpans.some(([a, b]) => index >= a && index < b);
        const kind: OpKind = inOptimizer ? "optimizer" : opKind(k.name);
        const slot = byKind.get(kind)!;
        slot.ms += t;
        slot.launches++;
        kernelMs += t;
        const key = `${kind}:${k.name}`;
        const row = byName.get(key) ?? { bench: "profile-kernel", preset, stage, variant, kernel: k.name, kind, ms: 0, launches: 0 };
        row.ms += t;
        row.launches++;
        byName.set(key, row);
      });
      byKind.get("framework")!.ms += Math.max(0, ms - kernelMs);
      o.log(`profile: ${preset} ${stage} ${variant}: step ${i + 1}/${steps} ${ms.toFixed(0)} ms, ${info.kernels.length} kernels, ${kernelMs.toFixed(0)} ms in kernels`);
    }
  } finally {
    trainer.optimizer.dispose();
    tf.dispose(Object.values(vars));
  }
  const stepMs = wall / steps;
  const byKindRows: ProfileRow[] = OP_KINDS.map((kind) => {
    const s = byKind.get(kind)!;
    return { bench: "profile", preset, stage, variant, kind, ms: s.ms / steps, share: s.ms / wall, launches: s.launches / steps };
  });
  const kernels = [...byName.values()]
    .map((k) => ({ ...k, ms: k.ms / steps, launches: k.launches / steps }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 15);
  return { rows: [...byKindRows, ...kernels], stepMs };
}

export function formatProfileTable(result: ProfileBenchResult): string {
  const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const table = (head: string[], lines: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    return [pad(head, widths), pad(widths.map((w) => "-".repeat(w)), widths), ...lines.map((l) => pad(l, widths))].join("\n");
  };
  const variants = (Object.keys(result.stepMs) as ProfileVariant[]);
  const kinds = result.rows.filter((r): r is ProfileRow => r.bench === "profile");
  const cell = (v: ProfileVariant, k: OpKind) => {
    const r = kinds.find((x) => x.variant === v && x.kind === k);
    return r ? [r.ms.toFixed(1), `${(r.share * 100).toFixed(1)} %`, String(Math.round(r.launches))] : ["", "", ""];
  };
  const byKind = table(
    ["op kind", ...variants.flatMap((v) => [`${v} ms`, "share", "launches"])],
    [
      ...OP_KINDS.map((k) => [k, ...variants.flatMap((v) => cell(v, k))]),
      ["step (wall)", ...variants.flatMap((v) => [result.stepMs[v]!.toFixed(1), "100.0 %", ""])],
    ],
  );
  const last = variants[variants.length - 1]!;
  const kernels = result.rows.filter((r): r is KernelRow => r.bench === "profile-kernel" && r.variant === last);
  const top = table(
    ["kernel", "kind", "ms/step", "launches"],
    kernels.map((k) => [k.kernel, k.kind, k.ms.toFixed(1), String(Math.round(k.launches))]),
  );
  return [byKind, "", `heaviest kernels (${last})`, top, ...result.notes].join("\n");
}
