/**
 * Asking the shipped study Meteor a question in the browser: greedy and 3-beam answers
 * (`generate`), the projected `<tor>` features the Mamba hands the MLM (`torFeatures`), and
 * the MLM's attention from the last prompt position — the one that predicts the answer's
 * first token — back over the prompt (`mlmLogits` with `attentionOut`). Only library calls
 * and charts; images are turned into model pixels here, at the edge.
 */
import { fitWidth } from "./dom.js";
import * as Plot from "@observablehq/plot";
import type * as MeteorBrowser from "./meteor-browser.ts";
import type { OpenedCheckpoint } from "./inside-mamba.ts";

type Lib = typeof MeteorBrowser;

export interface AskResult {
  greedy: string;
  beam3: string;
  /** [numTor, dMlm] projected `<tor>` features. */
  tor: number[][];
  /** One entry per MLM prompt position: its token, kind and attention weight from the last position. */
  attention: { position: number; token: string; kind: "image" | "tor" | "text"; weight: number }[];
}

/**
 * Runs the model on one question (+ image pixels [s, s, 3] in [0, 1], or none).
 * Attention: mean over heads of the MLM's last layer, row of the last prompt position.
 */
export async function ask(lib: Lib, opened: OpenedCheckpoint, question: string, pixels: Float32Array | null): Promise<AskResult> {
  const { ckpt, tokenizer } = opened;
  const cfg = ckpt.config;
  const params = lib.structureParams(ckpt.params);
  const item: MeteorBrowser.BatchItem = { sample: { question, rationale: "", answer: "" }, ...(pixels ? { pixels } : {}) };
  const text = (g: { ids: number[] }) => tokenizer.decode(g.ids);
  const greedy = text(await lib.generate(params, cfg, tokenizer, item, { system: "meteor", beams: 1, maxTokens: 16 }));
  const beam3 = text(await lib.generate(params, cfg, tokenizer, item, { system: "meteor", beams: 3, maxTokens: 16 }));
  const batch = lib.buildBatch([item], tokenizer, { system: "meteor", stage: "prompt", numTor: cfg.numTor, numPatches: cfg.vision.numPatches });
  const attn: MeteorBrowser.tf.Tensor4D[] = [];
  const tor = lib.tf.tidy(() => {
    const feats = lib.encodeImages(params, cfg, batch);
    const t = lib.torFeatures(params, cfg, batch, feats); // [1, numTor, dMlm]
    lib.mlmLogits(params, cfg, batch, feats, t, { attentionOut: attn });
    return t.squeeze([0]) as MeteorBrowser.tf.Tensor2D; // [numTor, dMlm]
  });
  const torRows = tor.arraySync();
  tor.dispose();
  const l = batch.mlm.length;
  const last = attn[attn.length - 1]!; // [1, nHead, l, l]
  const row = lib.tf.tidy(() => last.mean(1).slice([0, l - 1, 0], [1, 1, l]).reshape([l])); // [l]
  const weights = row.dataSync();
  row.dispose();
  lib.tf.dispose(attn);
  const seq = batch.mlm;
  const attention = Array.from(weights, (weight, p) => ({
    position: p,
    token: tokenizer.decode([seq.ids[p]!]),
    kind: (seq.imageIndex && seq.imageIndex[p]! >= 0 ? "image" : seq.torIndex && seq.torIndex[p]! >= 0 ? "tor" : "text") as "image" | "tor" | "text",
    weight,
  }));
  return { greedy, beam3, tor: torRows, attention };
}

/** Pixels [size, size, 3] in [0, 1] of an image drawn to a canvas of the model's size. */
export function imagePixels(image: CanvasImageSource, size: number): Float32Array {
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(image, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = rgba[i * 4 + c]! / 255;
  return out;
}

/** Decodes an uploaded file as an image; rejects with a readable message when it is not one. */
export function loadImageFile(file: Blob): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("That file is not an image this browser can decode."));
    };
    img.src = url;
  });
}

/** The [numTor, d] `<tor>` features as a small heat-map, colour symmetric around zero. */
export function torHeatmap(rows: readonly (readonly number[])[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const limit = Math.max(1e-9, ...rows.flat().map(Math.abs));
  const cells = rows.flatMap((row, t) => row.map((v, c) => ({ tor: `<tor ${t + 1}>`, channel: c, v })));
  return Plot.plot({
    width: fitWidth(width),
    height: 40 + 16 * rows.length,
    marginLeft: 70,
    x: { label: "channel (MLM dModel)", ticks: [] },
    y: { label: null, domain: rows.map((_, t) => `<tor ${t + 1}>`) },
    color: { type: "linear", scheme: "RdBu", domain: [-limit, limit], reverse: true },
    marks: [Plot.cell(cells, { x: "channel", y: "tor", fill: "v", inset: 0 })],
  });
}

/** Attention weights over the prompt positions, image and `<tor>` positions coloured. */
export function attentionChart(attention: AskResult["attention"], { width }: { width: number }): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: fitWidth(width),
    height: 240,
    x: { label: "prompt position", ticks: [] },
    y: { label: "attention", grid: true },
    color: { legend: true, domain: ["image", "tor", "text"], range: ["#e69f00", "#d62728", "#888"] },
    marks: [
      Plot.barY(attention, { x: "position", y: "weight", fill: "kind", title: (d: AskResult["attention"][number]) => `${d.position}: ${d.token} (${d.kind}) ${d.weight.toFixed(3)}` }),
      Plot.ruleY([0]),
    ],
  });
}
