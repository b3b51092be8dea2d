/**
 * Node only: rasterise image specs with `sharp` (librsvg), and decode PNG files back to
 * pixels with checks. Pixels are [size, size, 3] (row-major, RGB) floats in [0, 1].
 */
import sharp from "sharp";
import { ImageError, type ImageSpec } from "./image-spec.ts";
import type { DigitSource } from "./mnist-digits.ts";
import { loadMnistDigits } from "./mnist-node.ts";
import { renderSvg } from "./render-svg.ts";

export interface RenderImageOptions {
  /** Side in pixels. Example: 32 (the playground's default `imageSize`). */
  readonly size: number;
  /** Digit pixels; default: the `mnist` package, loaded once. */
  readonly digits?: DigitSource;
}

export interface RenderedImage {
  /** An 8-bit RGB PNG (3 channels, no alpha). */
  readonly png: Uint8Array;
  /** [size, size, 3] in [0, 1]: exactly what `decodeImage(png, size)` returns. */
  readonly pixels: Float32Array;
}

export async function renderImage(spec: ImageSpec, { size, digits }: RenderImageOptions): Promise<RenderedImage> {
  const needsDigits = spec.kind === "digits";
  const svg = renderSvg(spec, size, { digits: needsDigits ? (digits ?? loadMnistDigits()) : digits });
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: "#ffffff" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) {
    throw new ImageError(`rasterised ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×3`);
  }
  const png = await sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return { png: new Uint8Array(png), pixels: toUnit(data) };
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * PNG bytes → [size, size, 3] floats in [0, 1]. Throws `ImageError` naming the problem:
 * not a PNG, corrupt or truncated data, a size other than `expectedSize`×`expectedSize`,
 * or other than 3 channels (grey, grey+alpha and RGBA images are refused, not converted).
 */
export async function decodeImage(png: Uint8Array, expectedSize: number): Promise<Float32Array> {
  if (!(png instanceof Uint8Array) || png.length === 0) throw new ImageError("image bytes are empty");
  if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new ImageError("not a PNG file (bad signature)");
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(png).metadata();
  } catch (e) {
    throw new ImageError(`corrupt PNG: ${(e as Error).message}`);
  }
  if (meta.format !== "png") throw new ImageError(`not a PNG file (decoded as ${meta.format})`);
  if (meta.width !== expectedSize || meta.height !== expectedSize) {
    throw new ImageError(`image is ${meta.width}×${meta.height}, expected ${expectedSize}×${expectedSize}`);
  }
  if (meta.channels !== 3) {
    throw new ImageError(`image has ${meta.channels} channel${meta.channels === 1 ? "" : "s"}${meta.hasAlpha ? " (with alpha)" : ""}, expected 3 (RGB)`);
  }
  let data: Buffer;
  try {
    data = await sharp(png, { failOn: "warning" }).raw().toBuffer();
  } catch (e) {
    throw new ImageError(`corrupt PNG: ${(e as Error).message}`);
  }
  if (data.length !== expectedSize * expectedSize * 3) throw new ImageError(`decoded ${data.length} bytes, expected ${expectedSize * expectedSize * 3}`);
  return toUnit(data);
}

function toUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}
