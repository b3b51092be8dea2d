/**
 * One generated triple as a card: image (or "text only"), question, rationale with its
 * `<tor>` tokens highlighted as placed, answer. The placed text comes from the library's
 * `placeTor` (called on the page); null means the placement rejected the rationale.
 */
import { h } from "./dom.js"; // `.js`: Framework follows only .js local imports

export interface SampleView {
  id: string;
  family: string;
  split: string;
  template: string;
  question: string;
  rationale: string;
  answer: string;
  /** PNG data URL, or null for text-only samples. */
  image: string | null;
}

const TOR = "<tor>";
const TOR_STYLE = "background:#fde7c8;color:#8a4b00;border-radius:3px;padding:0 2px;font:12px var(--monospace, monospace);";

/** The rationale with each `<tor>` as a highlighted mark, numbered 1…T. */
export function torText(placed: string): HTMLElement {
  const parts = placed.split(TOR);
  const out = h("span", { class: "rationale" });
  parts.forEach((text, i) => {
    if (i > 0) out.append(h("mark", { class: "tor", title: `<tor> ${i}`, style: TOR_STYLE }, `<tor${i}>`));
    if (text) out.append(text);
  });
  return out;
}

export function sampleCard(sample: SampleView, placed: string | null, { width }: { width: number }): HTMLElement {
  const side = Math.min(128, Math.max(64, Math.floor(width / 4)));
  const image = sample.image
    ? h("img", { src: sample.image, width: side, height: side, alt: `image of ${sample.id}`, style: "image-rendering: pixelated; border: 1px solid var(--theme-foreground-faintest);" })
    : h("div", { class: "no-image", style: `width:${side}px;height:${side}px;display:flex;align-items:center;justify-content:center;border:1px dashed var(--theme-foreground-faint);font-size:12px;` }, "text only");
  const torCount = placed === null ? 0 : placed.split(TOR).length - 1;
  return h(
    "div",
    { class: "card sample", "data-id": sample.id },
    h(
      "div",
      { style: "display:flex;gap:1rem;align-items:flex-start;" },
      image,
      h(
        "div",
        { style: "flex:1;min-width:0;" },
        h("div", { class: "muted", style: "font-size:12px;" }, `${sample.id} · ${sample.template}`),
        h("p", { style: "margin:0.3rem 0;" }, h("b", {}, "Q: "), sample.question),
        h("p", { style: "margin:0.3rem 0;" }, h("b", {}, "A: "), h("code", { class: "answer" }, sample.answer)),
      ),
    ),
    h(
      "p",
      { style: "margin:0.5rem 0 0;font-size:14px;line-height:1.6;" },
      h("b", {}, "Rationale: "),
      placed === null
        ? [h("span", { class: "rejected" }, "rejected by insert_tor (fewer than 3·(count − 1) words): "), sample.rationale]
        : torText(placed),
      placed === null ? null : h("span", { class: "muted", style: "font-size:12px;" }, ` (${torCount} <tor>)`),
    ),
  );
}
