/**
 * Meteor's architecture (paper Fig. 3) drawn from a live configuration, with the tensor
 * shape of one batch on every arrow: image → vision encoder → the two vision projectors →
 * Meteor-Mamba (question + `<tor>`s) → tor projector → Meteor-MLM → answer.
 *
 * Letters (the library's glossary): b batch, np patch tokens, lm / lq Mamba / MLM sequence
 * length, T `<tor>` count, V vocabulary. Numbers are filled in from the config.
 */
import { fitWidth } from "./dom.js";
import type { MeteorConfig } from "../../src/lib/meteor/config.ts";
import { sequenceLengths, type SampleLengths } from "./cost.js"; // `.js`: Framework follows only .js local imports

const SVG = "http://www.w3.org/2000/svg";
const VIEW = { width: 1320, height: 540 };

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  lines: string[];
  kind: "data" | "frozen" | "trained";
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const shape = (dims: (string | number)[]) => `[${dims.join(", ")}]`;

export interface ArchitectureOptions {
  width: number;
  lengths: SampleLengths;
}

/** An SVG element of Meteor's data flow for `cfg`, scaled to `width`. */
export function architectureDiagram(cfg: MeteorConfig, { width, lengths }: ArchitectureOptions): SVGSVGElement {
  const { vision: v, mamba: m, mlm: t, numTor: T } = cfg;
  const np = lengths.patches;
  const N = sequenceLengths(cfg, lengths);
  const S = Math.round(Math.sqrt(np) * v.patchSize);

  const col = [10, 260, 540, 820, 1150];
  const row = [20, 175, 340, 465];
  const boxes = {
    image: { x: col[0]!, y: row[0]!, w: 110, h: 68, title: "image", lines: [`${S}×${S} RGB`], kind: "data" },
    encoder: {
      x: col[1]!,
      y: row[0]!,
      w: 200,
      h: 68,
      title: "vision encoder",
      lines: [`ViT ${v.patchSize}px patches · ${v.nLayer} layers`, `width ${v.dModel} · ${v.nHead} heads · frozen`],
      kind: "frozen",
    },
    mambaPrompt: {
      x: col[3]!,
      y: row[0]!,
      w: 200,
      h: 68,
      title: "Mamba prompt",
      lines: ["<image> question", `<tor> × ${T} (+ rationale, step 1)`],
      kind: "data",
    },
    mambaProj: { x: col[2]!, y: row[1]!, w: 160, h: 68, title: "Mamba vision proj.", lines: [`mlp2x_gelu ${v.dModel}→${m.dModel}`], kind: "trained" },
    mamba: {
      x: col[3]!,
      y: row[1]!,
      w: 200,
      h: 68,
      title: "Meteor-Mamba",
      lines: [`${m.nLayer} layers · D ${m.dModel} · e ${m.dInner}`, `n ${m.dState} · r ${m.dtRank} · k ${m.dConv}`],
      kind: "trained",
    },
    torProj: { x: col[4]!, y: row[1]!, w: 160, h: 68, title: "tor projector", lines: [`mlp2x_gelu ${m.dModel}→${t.dModel}`], kind: "trained" },
    mlmProj: { x: col[2]!, y: row[2]!, w: 160, h: 68, title: "MLM vision proj.", lines: [`mlp2x_gelu ${v.dModel}→${t.dModel}`], kind: "trained" },
    mlm: {
      x: col[3]!,
      y: row[2]!,
      w: 200,
      h: 68,
      title: "Meteor-MLM",
      lines: [`${t.nLayer} layers · width ${t.dModel}`, `${t.nHead} q / ${t.nKvHead} kv heads · ffn ${t.ffnDim}`],
      kind: "trained",
    },
    answer: { x: col[4]!, y: row[2]!, w: 160, h: 68, title: "answer", lines: ["greedy / beam search"], kind: "data" },
    mlmPrompt: {
      x: col[3]!,
      y: row[3]!,
      w: 200,
      h: 50,
      title: "MLM prompt",
      lines: [`<tor> × ${T} · system · <image> question`],
      kind: "data",
    },
  } satisfies Record<string, Box>;

  const svg = el("svg", {
    viewBox: `0 0 ${VIEW.width} ${VIEW.height}`,
    width: fitWidth(width),
    height: Math.round((fitWidth(width) * VIEW.height) / VIEW.width),
    role: "img",
    "aria-label": "Meteor architecture with tensor shapes",
    style: "max-width: 100%; height: auto; font: 14px var(--sans-serif, sans-serif);",
  });
  const defs = el("defs", {});
  svg.append(defs);
  const marker = el("marker", { id: "meteor-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "currentColor" }));
  defs.append(marker);

  const fills = { data: "var(--theme-background-alt, #f4f4f4)", frozen: "#dfe8f5", trained: "#fde7c8" } as const;
  for (const b of Object.values(boxes) as Box[]) {
    const g = el("g", { class: `box box-${b.kind}` });
    g.append(el("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, fill: fills[b.kind], stroke: "currentColor", "stroke-opacity": 0.5 }));
    g.append(el("text", { x: b.x + b.w / 2, y: b.y + 20, "text-anchor": "middle", "font-weight": "bold" }, b.title));
    b.lines.forEach((line, i) => g.append(el("text", { x: b.x + b.w / 2, y: b.y + 38 + 15 * i, "text-anchor": "middle", "font-size": 12 }, line)));
    svg.append(g);
  }

  /** A polyline arrow through `points`; its label lines end at `at` (the last line's baseline). */
  const arrow = (points: [number, number][], label: string[], at: [number, number], anchor: "start" | "middle" | "end" = "middle") => {
    svg.append(el("path", { d: `M${points.map((p) => p.join(",")).join(" L")}`, fill: "none", stroke: "currentColor", "stroke-width": 1.3, "marker-end": "url(#meteor-arrow)" }));
    label.forEach((line, i) =>
      svg.append(
        el(
          "text",
          {
            x: at[0],
            y: at[1] - 14 * (label.length - 1 - i),
            "text-anchor": anchor,
            "font-family": "var(--monospace, monospace)",
            "font-size": 12,
            class: "shape",
            "paint-order": "stroke",
            stroke: "var(--theme-background, white)",
            "stroke-width": 4,
          },
          line,
        ),
      ),
    );
  };

  const B = boxes;
  const midY = (b: Box) => b.y + b.h / 2;
  const split = col[2]! - 40;
  arrow([[B.image.x + B.image.w, midY(B.image)], [B.encoder.x, midY(B.encoder)]], [shape(["b", S, S, v.channels])], [(B.image.x + B.image.w + B.encoder.x) / 2, midY(B.image) - 8]);
  arrow(
    [[B.encoder.x + B.encoder.w, midY(B.encoder)], [split, midY(B.encoder)], [split, midY(B.mambaProj)], [B.mambaProj.x, midY(B.mambaProj)]],
    ["features", shape(["b", np, v.dModel])],
    [split + 6, midY(B.encoder) + 40],
    "start",
  );
  arrow([[split, midY(B.mambaProj)], [split, midY(B.mlmProj)], [B.mlmProj.x, midY(B.mlmProj)]], [], [0, 0]);
  arrow([[B.mambaProj.x + B.mambaProj.w, midY(B.mambaProj)], [B.mamba.x, midY(B.mamba)]], [shape(["b", np, m.dModel])], [(B.mambaProj.x + B.mambaProj.w + B.mamba.x) / 2, midY(B.mamba) - 8]);
  arrow([[B.mambaPrompt.x + B.mambaPrompt.w / 2, B.mambaPrompt.y + B.mambaPrompt.h], [B.mamba.x + B.mamba.w / 2, B.mamba.y]], [`ids ${shape(["b", N.mamba])}`, `embedded ${shape(["b", N.mamba, m.dModel])}`], [B.mamba.x + B.mamba.w / 2 + 6, row[0]! + 116], "start");
  arrow([[B.mamba.x + B.mamba.w, midY(B.mamba)], [B.torProj.x, midY(B.torProj)]], ["<tor> states", shape(["b", T, m.dModel])], [(B.mamba.x + B.mamba.w + B.torProj.x) / 2, midY(B.mamba) - 8]);
  const elbowY = (B.torProj.y + B.torProj.h + B.mlm.y) / 2;
  arrow(
    [[B.torProj.x + B.torProj.w / 2, B.torProj.y + B.torProj.h], [B.torProj.x + B.torProj.w / 2, elbowY], [B.mlm.x + B.mlm.w * 0.75, elbowY], [B.mlm.x + B.mlm.w * 0.75, B.mlm.y]],
    [shape(["b", T, t.dModel])],
    [B.torProj.x + B.torProj.w / 2 - 6, elbowY - 6],
    "end",
  );
  arrow([[B.mlmProj.x + B.mlmProj.w, midY(B.mlmProj)], [B.mlm.x, midY(B.mlm)]], [shape(["b", np, t.dModel])], [(B.mlmProj.x + B.mlmProj.w + B.mlm.x) / 2, midY(B.mlm) - 8]);
  arrow([[B.mlmPrompt.x + B.mlmPrompt.w / 2, B.mlmPrompt.y], [B.mlm.x + B.mlm.w / 2, B.mlm.y + B.mlm.h]], [`ids ${shape(["b", N.mlm])}`], [B.mlm.x + B.mlm.w / 2 + 6, (B.mlm.y + B.mlm.h + B.mlmPrompt.y) / 2 + 4], "start");
  arrow([[B.mlm.x + B.mlm.w, midY(B.mlm)], [B.answer.x, midY(B.answer)]], ["logits", shape(["b", N.mlm, t.outputVocab])], [(B.mlm.x + B.mlm.w + B.answer.x) / 2, midY(B.mlm) - 8]);

  const legend = [
    ["frozen", "frozen (pretrained in the paper)"],
    ["trained", "trained (steps 1 and 2)"],
    ["data", "inputs and outputs"],
  ] as const;
  legend.forEach(([kind, text], i) => {
    const y = row[3]! + 4 + 20 * i;
    svg.append(el("rect", { x: col[0]!, y, width: 14, height: 12, rx: 2, fill: fills[kind], stroke: "currentColor", "stroke-opacity": 0.5 }));
    svg.append(el("text", { x: col[0]! + 20, y: y + 10, "font-size": 13 }, text));
  });
  return svg;
}
