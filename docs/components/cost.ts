/**
 * Forward cost of one Meteor sample at inference, from the configuration alone (no
 * TensorFlow.js, no library code: only the config's type is imported).
 *
 * FLOPs count matrix products as 2 per multiply-add and ignore norms, activations,
 * softmax, rotary and embedding look-ups (each O(tokens · width), a fraction of a percent).
 * With N tokens through a part:
 *
 *   linear in → out                 2·N·in·out
 *   mlp2x_gelu projector            2·N·(in·out + out·out)
 *   ViT layer (width d, MLP m)      2·N·4d² + 4·N²·d + 4·N·d·m        (QKV + out, QKᵀ and AV, MLP)
 *   Mamba layer (D, e, n, r, k)     2·N·D·2e + 2·N·e·k + 2·N·e·(r + 2n) + 2·N·r·e + 6·N·e·n + 2·N·e·D
 *                                   (in_proj, conv1d, x_proj, dt_proj, scan, out_proj)
 *   MLM layer (D, kv width g·h, F)  2·N·(2D² + 2·D·g·h) + 4·N²·D + 6·N·D·F
 *                                   (Q and O, K and V, QKᵀ and AV without the causal half, SwiGLU)
 *   MLM head                        2·a·D·(V − 2) on the a answer positions
 *
 * The 6·e·n of the scan counts exp(Δ·A), Δ·B·u, the state update and C·h per element.
 */
import type { MeteorConfig } from "../../src/lib/meteor/config.ts";

/** Token counts of one sample. */
export interface SampleLengths {
  /** Image patch tokens (`vision.numPatches`; Meteor-7B at its run-time 490 px: 1225). */
  patches: number;
  /** Question tokens. */
  question: number;
  /** Answer tokens (teacher-forced through the MLM, scored by its head). */
  answer: number;
  /** Mamba prompt tokens other than `<image>`, question and `<tor>` (BOS, chat markers, role names). */
  mambaTemplate: number;
  /** MLM prompt tokens other than `<image>`, question, `<tor>` and answer (system message, markers, suffix). */
  mlmTemplate: number;
}

/** The parts, in the order a sample flows through them; keys as `countMeteorParams` returns them. */
export const PARTS = ["vision", "mambaVisionProjector", "mlmVisionProjector", "mamba", "torProjector", "mlm"] as const;
export type Part = (typeof PARTS)[number];

export const PART_LABELS: Readonly<Record<Part, string>> = {
  vision: "vision encoder",
  mambaVisionProjector: "Mamba vision projector",
  mlmVisionProjector: "MLM vision projector",
  mamba: "Meteor-Mamba",
  torProjector: "tor projector",
  mlm: "Meteor-MLM",
};

export interface PartCost {
  part: Part;
  /** Tokens through the part. */
  tokens: number;
  /** Forward FLOPs. */
  flops: number;
}

/** Sequence lengths through each part: [vision, Mamba, MLM]. */
export function sequenceLengths(cfg: MeteorConfig, len: SampleLengths): { vision: number; mamba: number; mlm: number } {
  return {
    vision: len.patches + 1, // + CLS
    mamba: len.mambaTemplate + len.patches + len.question + cfg.numTor,
    mlm: len.mlmTemplate + cfg.numTor + len.patches + len.question + len.answer,
  };
}

/** Forward FLOPs per part for one sample (formulas above). */
export function forwardFlops(cfg: MeteorConfig, len: SampleLengths): PartCost[] {
  const { vision: v, mamba: m, mlm: t, numTor: T } = cfg;
  const P = len.patches;
  const N = sequenceLengths(cfg, len);
  const projector = (n: number, inDim: number, outDim: number) => 2 * n * (inDim * outDim + outDim * outDim);

  const patchEmbed = 2 * P * v.channels * v.patchSize ** 2 * v.dModel;
  const vitLayer = 2 * N.vision * 4 * v.dModel ** 2 + 4 * N.vision ** 2 * v.dModel + 4 * N.vision * v.dModel * v.mlpDim;

  const { dModel: D, dInner: e, dState: n, dtRank: r, dConv: k } = m;
  const mambaLayer = N.mamba * (2 * D * 2 * e + 2 * e * k + 2 * e * (r + 2 * n) + 2 * r * e + 6 * e * n + 2 * e * D);

  const kvWidth = t.nKvHead * t.headDim;
  const mlmLayer = 2 * N.mlm * (2 * t.dModel ** 2 + 2 * t.dModel * kvWidth) + 4 * N.mlm ** 2 * t.dModel + 6 * N.mlm * t.dModel * t.ffnDim;
  const mlmHead = 2 * len.answer * t.dModel * t.outputVocab;

  return [
    { part: "vision", tokens: N.vision, flops: patchEmbed + v.nLayer * vitLayer },
    { part: "mambaVisionProjector", tokens: P, flops: projector(P, v.dModel, m.dModel) },
    { part: "mlmVisionProjector", tokens: P, flops: projector(P, v.dModel, t.dModel) },
    { part: "mamba", tokens: N.mamba, flops: m.nLayer * mambaLayer },
    { part: "torProjector", tokens: T, flops: projector(T, m.dModel, t.dModel) },
    { part: "mlm", tokens: N.mlm, flops: t.nLayer * mlmLayer + mlmHead },
  ];
}

/** 1234567 → "1.23 M"; SI prefixes up to tera. */
export function formatCount(x: number, unit = ""): string {
  const prefixes: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [scale, p] of prefixes) if (Math.abs(x) >= scale) return `${(x / scale).toPrecision(3)} ${p}${unit}`;
  return `${x}${unit ? ` ${unit}` : ""}`;
}

/** Bytes in binary units: 1536 → "1.50 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = bytes;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${x} B` : `${x.toPrecision(3)} ${units[i]}`;
}
