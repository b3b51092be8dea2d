/**
 * A tiny element builder for pages and components. Framework's implicit `html` (htl) is
 * fetched from a CDN, and the report must work offline, so pages build small bits of DOM
 * with this instead.
 */
type Child = Node | string | number | null | undefined | false | readonly Child[];

/** h("div", {class: "card"}, "text", h("b", {}, "bold")) */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  const append = (c: Child): void => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) (c as readonly Child[]).forEach(append);
    else node.append(typeof c === "object" ? (c as Node) : String(c));
  };
  children.forEach(append);
  return node;
}

/**
 * A chart width that is never too small to draw: Framework's reactive `width` is 0 before the
 * page lays out, and `width / 2 - 40` would then be negative (an invalid SVG width).
 */
export function fitWidth(width: number, min = 240): number {
  return Number.isFinite(width) ? Math.max(min, Math.floor(width)) : min;
}
