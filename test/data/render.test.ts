import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { generateSample } from "../../src/lib/data/dataset.ts";
import { COLOURS, ImageError, type BarChartImage, type ImageSpec, type SceneImage } from "../../src/lib/data/image-spec.ts";
import { loadMnistDigits } from "../../src/lib/data/mnist-node.ts";
import { encodePng } from "../../src/lib/data/png-encode.ts";
import { decodeImage, renderImage } from "../../src/lib/data/render-node.ts";
import { renderSvg } from "../../src/lib/data/render-svg.ts";
import type { Family } from "../../src/lib/data/sample.ts";

/** The first sample (seed 5, train) whose image is of `kind`. */
function specOf(kind: ImageSpec["kind"]): ImageSpec {
  const family: Family = kind === "digits" ? "math-vision" : kind === "scene" ? "scene" : "chart";
  for (let i = 0; ; i++) {
    const s = generateSample(family, "train", i, 5);
    if (s.image?.kind === kind) return s.image;
  }
}
const KINDS = ["digits", "bar-chart", "line-chart", "table", "scene"] as const;

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16) / 255);
const pixel = (px: Float32Array, size: number, x: number, y: number) => Array.from(px.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe("renderImage", () => {
  it.each(KINDS)("%s: an RGB PNG of the requested size whose pixels decodeImage reads back", async (kind) => {
    for (const size of [32, 64]) {
      const { png, pixels } = await renderImage(specOf(kind), { size });
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels, meta.hasAlpha]).toEqual(["png", size, size, 3, false]);
      expect(pixels).toHaveLength(size * size * 3);
      expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
      expect(Math.min(...pixels), "something dark is drawn").toBeLessThan(0.5);
      expect(await decodeImage(png, size)).toEqual(pixels);
    }
  });

  it("is deterministic: same seed → identical PNG bytes; another seed → other bytes", async () => {
    for (const kind of KINDS) {
      const a = await renderImage(specOf(kind), { size: 32 });
      const b = await renderImage(specOf(kind), { size: 32 });
      expect(Buffer.from(a.png).equals(Buffer.from(b.png)), kind).toBe(true);
    }
    const x = await renderImage(generateSample("math-vision", "train", 0, 1).image!, { size: 32 });
    const y = await renderImage(generateSample("math-vision", "train", 0, 2).image!, { size: 32 });
    expect(Buffer.from(x.png).equals(Buffer.from(y.png))).toBe(false);
  });

  it("draws bars where the spec puts them (at size 100 one canvas unit is one pixel)", async () => {
    const spec = specOf("bar-chart") as BarChartImage;
    const { pixels } = await renderImage(spec, { size: 100 });
    const slot = 86 / spec.bars.length;
    spec.bars.forEach((b, i) => {
      const x = Math.round(11 + slot * (i + 0.5));
      const inside = pixel(pixels, 100, x, Math.round(92 - (b.value * 8.8) / 2));
      const above = pixel(pixels, 100, x, Math.round(92 - b.value * 8.8 - 3));
      inside.forEach((v, c) => expect(v, `${b.colour} bar, channel ${c}`).toBeCloseTo(hex(COLOURS[b.colour])[c]!, 1));
      expect(Math.min(...above), "white above the bar").toBeGreaterThan(0.8);
    });
  });

  it("draws each scene shape in its cell, in its colour", async () => {
    const spec = specOf("scene") as SceneImage;
    const { pixels } = await renderImage(spec, { size: 100 });
    for (const o of spec.objects) {
      const centre = pixel(pixels, 100, Math.round((o.col + 0.5) * 25), Math.round((o.row + 0.5) * 25) + (o.shape === "triangle" ? 3 : 0));
      centre.forEach((v, c) => expect(v, `${o.colour} ${o.shape}`).toBeCloseTo(hex(COLOURS[o.colour])[c]!, 1));
    }
  });

  it("draws the MNIST digit's own pixels (ink where the digit has ink)", async () => {
    const spec = { kind: "digits", layout: "row", digits: [{ label: 3, index: 7 }] } as const;
    // one digit, box side min(130, 100) = 100 canvas units, so at size 28 one pixel ≈ one MNIST pixel
    const { pixels } = await renderImage(spec, { size: 28 });
    const mnist = loadMnistDigits().pixels(3, 7);
    const dark = Array.from({ length: 784 }, (_, i) => 1 - pixels[3 * i]!);
    const corr = correlation(dark, Array.from(mnist));
    expect(corr).toBeGreaterThan(0.9);
  });
});

function correlation(a: number[], b: number[]): number {
  const m = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [m(a), m(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  a.forEach((_, i) => {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  });
  return sab / Math.sqrt(saa * sbb);
}

describe("decodeImage rejects bad input with an ImageError naming the problem", () => {
  it("wrong size, wrong channels, corrupt or foreign bytes", async () => {
    const { png } = await renderImage(specOf("scene"), { size: 32 });
    await expect(decodeImage(png, 64)).rejects.toThrow(/image is 32×32, expected 64×64/);
    await expect(decodeImage(new Uint8Array(0), 32)).rejects.toThrow(/empty/);
    await expect(decodeImage(new TextEncoder().encode("GIF89a not a png"), 32)).rejects.toThrow(/not a PNG file \(bad signature\)/);
    await expect(decodeImage(png.slice(0, Math.floor(png.length * 0.6)), 32)).rejects.toThrow(/corrupt PNG/);
    const flipped = png.slice();
    flipped[20] = flipped[20]! ^ 0xff; // inside IHDR: checksum no longer matches
    await expect(decodeImage(flipped, 32)).rejects.toThrow(ImageError);
    const grey = encodePng(32, 32, 1, new Uint8Array(32 * 32).fill(200));
    await expect(decodeImage(grey, 32)).rejects.toThrow(/1 channel, expected 3/);
    const rgba = encodePng(32, 32, 4, new Uint8Array(32 * 32 * 4).fill(200));
    await expect(decodeImage(rgba, 32)).rejects.toThrow(/4 channels \(with alpha\), expected 3/);
    const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#fff" } }).jpeg().toBuffer();
    await expect(decodeImage(new Uint8Array(jpeg), 32)).rejects.toThrow(/not a PNG/);
  });
});

describe("renderSvg and the PNG encoder", () => {
  it("renderSvg is a pure string at the requested size; digits need a digit source", () => {
    const svg = renderSvg(specOf("table"), 48);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="48" height="48" viewBox="0 0 100 100">/);
    expect(renderSvg(specOf("table"), 48)).toBe(svg);
    expect(() => renderSvg(specOf("digits"), 32)).toThrow(ImageError);
    expect(renderSvg(specOf("digits"), 32, { digits: loadMnistDigits() })).toContain('href="data:image/png;base64,iVBORw0KGgo');
    expect(() => renderSvg(specOf("scene"), 0)).toThrow(/positive integer/);
    expect(() => renderSvg({ kind: "pie" } as never, 32)).toThrow(/unknown image kind "pie"/);
  });

  it("encodePng writes PNGs that libpng reads back exactly", async () => {
    const data = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const png = encodePng(5, 3, 3, data);
    const { data: back, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([5, 3, 3]);
    expect(Array.from(back)).toEqual(Array.from(data));
    const big = Uint8Array.from({ length: 200 * 120 * 3 }, (_, i) => i % 251); // > 65535 bytes: several stored blocks
    expect(Array.from(await sharp(encodePng(200, 120, 3, big)).raw().toBuffer())).toEqual(Array.from(big));
  });
});
