/**
 * Charts of the command-line benchmarks against peers (`npm run bench`): training throughput
 * ours vs PyTorch CPU per preset and stage, and the scaling of the Mamba embedder against
 * matched attention with sequence length (log–log). Rows come from `data/bench/*.json` via
 * the `bench.json` loader; nothing here measures anything.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";

export interface TrainRow {
  source: string;
  bench: "train";
  preset: string;
  stage: string;
  /** "torch": the loop-scan peer; "torch-pscan": the parallel-scan peer. */
  side: "ours" | "torch" | "torch-pscan";
  msPerStep: number;
  tokensPerSec: number;
  threads: number;
  ratio?: number;
}

export interface ScalingRow {
  source: string;
  bench: "scaling";
  model: string;
  length: number;
  params: number;
  ms?: number;
  peakBytes?: number;
  note?: string;
}

export const trainRows = (rows: readonly Record<string, unknown>[]): TrainRow[] => rows.filter((r) => r.bench === "train") as unknown as TrainRow[];
export const scalingRows = (rows: readonly Record<string, unknown>[]): ScalingRow[] => rows.filter((r) => r.bench === "scaling") as unknown as ScalingRow[];

/** Tokens per second, ours beside PyTorch's, one group per (file, preset, stage). */
export function trainChart(rows: readonly TrainRow[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const data = rows.map((r) => ({ ...r, run: `${r.source} · ${r.preset} ${r.stage}` }));
  return Plot.plot({
    width: fitWidth(width, 560), // never narrower than its 220-px label margin plus room for the bars
    marginLeft: 220,
    x: { label: "tokens / s (Mamba + MLM positions) →", grid: true },
    y: { label: null },
    fy: { label: null },
    color: { legend: true, domain: ["ours", "torch", "torch-pscan"] },
    marks: [
      Plot.barX(data, { x: "tokensPerSec", y: "side", fy: "run", fill: "side", tip: true }),
      Plot.text(data, { x: "tokensPerSec", y: "side", fy: "run", text: (r: TrainRow) => (r.ratio ? `${r.ratio.toFixed(1)}×` : ""), dx: 6, textAnchor: "start" }),
      Plot.ruleX([0]),
    ],
  });
}

/** Forward + backward time (or peak memory) against sequence length, log–log, one line per model. */
export function scalingChart(rows: readonly ScalingRow[], { width, value }: { width: number; value: "ms" | "peakBytes" }): SVGSVGElement | HTMLElement {
  const measured = rows.filter((r) => typeof r[value] === "number").map((r) => ({ ...r, y: value === "ms" ? r.ms! : r.peakBytes! / 2 ** 20 }));
  return Plot.plot({
    width: fitWidth(width),
    height: 300,
    x: { type: "log", label: "sequence length L →", ticks: [128, 256, 512, 1024, 2048, 4096, 8192], tickFormat: "d" },
    y: { type: "log", label: value === "ms" ? "↑ forward + backward ms" : "↑ peak tensor MiB", grid: true },
    color: { legend: true },
    marks: [
      Plot.line(measured, { x: "length", y: "y", stroke: "model", z: (r: ScalingRow) => `${r.source} ${r.model}`, marker: "circle", tip: true }),
    ],
  });
}

export interface SoakRow {
  source: string;
  bench: "soak";
  stage: string;
  step: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
}

export const soakRows = (rows: readonly Record<string, unknown>[]): SoakRow[] => rows.filter((r) => r.bench === "soak") as unknown as SoakRow[];

/** Live tensors and process RSS against training step, coloured by stage. */
export function soakChart(rows: readonly SoakRow[], { width, value }: { width: number; value: "numTensors" | "rssMB" }): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: fitWidth(width),
    height: 240,
    x: { label: "training step →" },
    y: { label: value === "rssMB" ? "↑ process RSS (MB)" : "↑ live tensors", grid: true, zero: true },
    color: { legend: true, domain: ["start", "pretrain", "embed", "answer"] },
    marks: [
      Plot.line(rows, { x: "step", y: value, z: "source", stroke: "currentColor", strokeOpacity: 0.3 }),
      Plot.dot(rows, { x: "step", y: value, fill: "stage", tip: true }),
    ],
  });
}
