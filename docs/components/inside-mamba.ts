/**
 * Inside a trained Meteor-Mamba: opening a checkpoint in the browser and reading the raw
 * `<tor>` states (the Mamba's final normed hidden states at the `<tor>` positions, before
 * the tor projector) for one sample with and without its rationale — the states the
 * paper's Fig. 4 compares. Only library calls: `deserializeCheckpoint`, `buildBatch`,
 * `encodeImages`, `torFeatures` (its `rawStatesOut`), `torSimilarity`; plus the charts.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";
import type * as MeteorBrowser from "./meteor-browser.ts";

type Lib = typeof MeteorBrowser;

/** One probe sample as the loader `docs/data/study-meteor.json.ts` writes it. */
export interface Probe {
  id: string;
  family: string;
  question: string;
  rationale: string;
  answer: string;
  /** [s, s, 3] bytes, or null for text-only samples. */
  pixels: number[] | null;
  /** The same image as a PNG data URL. */
  png: string | null;
}

export interface CheckpointPayload {
  run: string;
  checkpoint: string;
  imageSize: number;
  dataSeed: number;
  /** File name → base64 bytes. */
  files: Record<string, string>;
  probes: Probe[];
}

export interface OpenedCheckpoint {
  ckpt: MeteorBrowser.LoadedMeteorCheckpoint;
  tokenizer: MeteorBrowser.Tokenizer;
  /** `<tor>` placement of training step 1 (count = numTor, the run's placement). */
  placeTor: (rationale: string) => string | null;
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The checkpoint's tensors and tokenizer, validated by the library as `meteor eval` loads them. */
export function openCheckpoint(lib: Lib, payload: CheckpointPayload): OpenedCheckpoint {
  const files = new Map(Object.entries(payload.files).map(([name, b64]) => [name, base64Bytes(b64)] as const));
  const ckpt = lib.deserializeCheckpoint(files, { source: `data/checkpoints/${payload.run}/${payload.checkpoint}` });
  const training = (ckpt.training ?? {}) as { placement?: MeteorBrowser.TorPlacement };
  const placement = training.placement ?? "even";
  return {
    ckpt,
    tokenizer: lib.Tokenizer.fromJSON(ckpt.tokenizer),
    placeTor: (r) => lib.placeTor(r, { count: ckpt.config.numTor, placement }),
  };
}

export function batchItem(probe: Probe): MeteorBrowser.BatchItem {
  return probe.pixels ? { sample: probe, pixels: Float32Array.from(probe.pixels, (b) => b / 255) } : { sample: probe };
}

/** Raw `<tor>` states [numTor, dModel] of one probe, with the rationale (step 1) and without (inference). */
export function torStates(lib: Lib, opened: OpenedCheckpoint, probe: Probe): { withRationale: number[][]; without: number[][] } | null {
  const { ckpt, tokenizer, placeTor } = opened;
  const cfg = ckpt.config;
  if (placeTor(probe.rationale) === null) return null;
  const params = lib.structureParams(ckpt.params);
  const states = (stage: "embed" | "answer") => {
    const batch = lib.buildBatch([batchItem(probe)], tokenizer, { system: "meteor", stage, numTor: cfg.numTor, numPatches: cfg.vision.numPatches, placeTor });
    const raw: MeteorBrowser.tf.Tensor3D[] = [];
    lib.tf.tidy(() => {
      lib.torFeatures(params, cfg, batch, lib.encodeImages(params, cfg, batch), { rawStatesOut: raw });
    });
    const rows = raw[0]!.arraySync()[0]!; // [numTor, dm]
    lib.tf.dispose(raw);
    return rows;
  };
  return { withRationale: states("embed"), without: states("answer") };
}

/** Cosine similarity of two vectors. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += x * b[i]!;
    aa += x * x;
    bb += b[i]! * b[i]!;
  });
  return ab / Math.sqrt(aa * bb + 1e-30);
}

/** A [numTor, dModel] state matrix as a heatmap, colour symmetric around zero. */
export function stateHeatmap(rows: readonly (readonly number[])[], { width, title, limit }: { width: number; title: string; limit: number }): SVGSVGElement | HTMLElement {
  const cells = rows.flatMap((row, t) => row.map((v, c) => ({ tor: `<tor ${t + 1}>`, channel: c, v })));
  return Plot.plot({
    width: fitWidth(width),
    height: 40 + 16 * rows.length,
    marginLeft: 70,
    title,
    x: { label: "channel (dModel)", ticks: [] },
    y: { label: null, domain: rows.map((_, t) => `<tor ${t + 1}>`) },
    color: { type: "linear", scheme: "RdBu", domain: [-limit, limit], reverse: true },
    marks: [Plot.cell(cells, { x: "channel", y: "tor", fill: "v", inset: 0 })],
  });
}

/** Fig. 4: cosine similarity of `<tor>` states with the rationale (rows) and without (columns). */
export function similarityHeatmap(matrix: readonly (readonly number[])[], labels: readonly string[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const cells = matrix.flatMap((row, i) => row.map((v, j) => ({ with: labels[i]!, without: labels[j]!, v, diagonal: i === j })));
  const side = Math.min(fitWidth(width), 560);
  return Plot.plot({
    width: side,
    height: side,
    marginLeft: 140,
    marginBottom: 110,
    x: { label: "without rationale (inference)", domain: labels, tickRotate: -60 },
    y: { label: "with rationale (step 1)", domain: labels },
    color: { scheme: "viridis", legend: true, label: "cosine similarity" },
    marks: [
      Plot.cell(cells, { x: "without", y: "with", fill: "v", tip: true }),
      Plot.cell(
        cells.filter((c) => c.diagonal),
        { x: "without", y: "with", stroke: "white", strokeWidth: 1.5, fill: "none" },
      ),
    ],
  });
}

export interface HistoryPoint {
  stage: string;
  step: number;
  loss: number;
}

/** Training loss per step (one colour per stage), validation loss as dots. */
export function lossChart(history: readonly HistoryPoint[], validation: readonly HistoryPoint[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  // Steps restart in each stage: lay the stages end to end.
  const stages = [...new Set(history.map((h) => h.stage))];
  const offset = new Map<string, number>();
  let start = 0;
  for (const s of stages) {
    offset.set(s, start);
    start += Math.max(...history.filter((h) => h.stage === s).map((h) => h.step)) + 1;
  }
  const at = (h: HistoryPoint) => ({ ...h, global: offset.get(h.stage)! + h.step });
  return Plot.plot({
    width: fitWidth(width),
    height: 260,
    x: { label: "training step (stages end to end)" },
    y: { type: "log", label: "loss", grid: true },
    color: { legend: true, domain: stages },
    marks: [
      Plot.line(history.map(at), { x: "global", y: "loss", stroke: "stage", strokeOpacity: 0.7 }),
      Plot.dot(validation.filter((v) => offset.has(v.stage)).map(at), { x: "global", y: "loss", fill: "stage", stroke: "black", r: 4, tip: true }),
    ],
  });
}
