/**
 * Fuzz target: PNG bytes through `decodeImage(png, size)`. Bases are real renders
 * (`renderImage`, 8 and 32 px) and variants made with sharp: interlaced, palette,
 * uncompressed and 16-bit RGB (all accepted; 16-bit is read as 8-bit), grey, grey + alpha,
 * RGBA, a wrong size, a JPEG (all refused). Mutations flip
 * bits and truncate anywhere, or edit one chunk's data and fix its CRC so the damage reaches
 * the decoder; sometimes the expected size is wrong (0, −1, NaN, off by one, huge).
 *
 * Only ImageError may come out. A decoded image must be size·size·3 values in [0, 1]; an
 * unmutated RGB base of the right size must decode (a lossless one to the render's
 * pixels), and an unmutated base that is not one must be refused.
 */
import sharp from "sharp";
import { generateDataset } from "../../../src/lib/data/dataset.ts";
import { ImageError } from "../../../src/lib/data/image-spec.ts";
import { decodeImage, renderImage } from "../../../src/lib/data/render-node.ts";
import type { FuzzTarget } from "../harness.ts";
import { mutateBytes } from "../mutate.ts";
import type { Rand } from "../rand.ts";

interface Base {
  name: string;
  png: Uint8Array;
  size: number;
  /** An RGB PNG of `size`: decodeImage must accept it unmutated. */
  valid: boolean;
  pixels?: Float32Array;
}

interface PngInput {
  base: Base;
  png: Uint8Array;
  size: number;
  mutated: boolean;
}

let bases: Base[] | undefined;

async function makeBases(): Promise<Base[]> {
  const specs = generateDataset({ n: 8, seed: 11 }).flatMap((s) => (s.image ? [s.image] : []));
  const out: Base[] = [];
  for (const [i, size] of [8, 32].entries()) {
    const { png, pixels } = await renderImage(specs[i % specs.length]!, { size });
    out.push({ name: `render ${size}px`, png, size, valid: true, pixels });
    const img = () => sharp(png);
    // Lossless re-encodings keep the render's pixels; the rest only have to decode to something valid.
    const variant = async (name: string, s: ReturnType<typeof sharp>, valid: boolean) =>
      out.push({ name: `${name} ${size}px`, png: new Uint8Array(await s.toBuffer()), size, valid, ...(/interlaced|uncompressed|16-bit/.test(name) ? { pixels } : {}) });
    const raw = (channels: number) =>
      sharp(Buffer.from(Array.from({ length: size * size * channels }, (_, k) => (k * 37) % 256)), { raw: { width: size, height: size, channels: channels as 1 | 2 | 3 | 4 } });
    await variant("interlaced", img().png({ progressive: true }), true);
    await variant("palette", img().png({ palette: true, colours: 16 }), true);
    await variant("uncompressed", img().png({ compressionLevel: 0 }), true);
    await variant("16-bit", img().toColourspace("rgb16").png(), true);
    await variant("grey", raw(1).toColourspace("b-w").png(), false);
    await variant("grey+alpha", raw(2).toColourspace("b-w").png(), false);
    await variant("rgba", raw(4).png(), false);
    await variant("wrong size", img().resize(size + 2, size).png(), false);
    await variant("jpeg", img().jpeg(), false);
  }
  // The variants must be what they say, or the check below tests nothing.
  for (const b of out) {
    const meta = await sharp(b.png).metadata();
    const want = /grey\+alpha/.test(b.name) ? 2 : /grey/.test(b.name) ? 1 : /rgba/.test(b.name) ? 4 : 3;
    if (meta.channels !== want) throw new Error(`fuzz png base "${b.name}" has ${meta.channels} channels, meant ${want}`);
  }
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** [offset, length, type] of each chunk after the 8-byte signature. */
function chunks(png: Uint8Array): { at: number; length: number; type: string }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    out.push({ at, length, type });
    at += 12 + length;
  }
  return out;
}

/** Edits one chunk's data (or its length or type) and rewrites its CRC, so only the decoder can notice. */
function mutateChunk(rand: Rand, png: Uint8Array): { png: Uint8Array; label: string } {
  const cs = chunks(png);
  if (cs.length === 0) return { png, label: "no chunks" };
  const c = rand.pick(cs);
  const out = new Uint8Array(png);
  const dv = new DataView(out.buffer);
  const how = rand.pick(["data", "data", "data", "width", "length", "type"] as const);
  if (how === "data" && c.length > 0) {
    const i = c.at + 8 + rand.int(c.length);
    out[i] = out[i]! ^ (1 << rand.int(8));
  } else if (how === "width" && c.type === "IHDR") {
    dv.setUint32(c.at + 8 + rand.pick([0, 4]), rand.pick([0, 1, 7, 33, 65535, 0x7fffffff, 0xffffffff]));
  } else if (how === "length") {
    dv.setUint32(c.at, rand.pick([0, c.length + 1, c.length - 1, 0x7fffffff, 0xffffffff]) >>> 0);
    return { png: out, label: `${c.type} length ${dv.getUint32(c.at)}` };
  } else if (how === "type") {
    out.set([...rand.pick(["IDAT", "IEND", "tRNS", "PLTE", "iDAT", "zzzz"])].map((ch) => ch.charCodeAt(0)), c.at + 4);
  }
  const end = c.at + 8 + c.length;
  if (end + 4 <= out.length) dv.setUint32(end, crc32(out.subarray(c.at + 4, end)));
  return { png: out, label: `${c.type} ${how} (CRC fixed)` };
}

export const pngTarget: FuzzTarget<PngInput, Float32Array> = {
  name: "png",
  about: "rendered PNGs and sharp-made variants, mutated → decodeImage",
  errors: [ImageError],
  ciCount: 500,
  async setup() {
    bases ??= await makeBases();
  },
  generate(rand) {
    const base = rand.pick(bases!);
    const size = rand.chance(0.1) ? rand.pick([0, -1, NaN, base.size + 1, base.size - 1, 1e9, 1.5]) : base.size;
    const kind = rand.weighted([
      [1, "none"],
      [4, "bytes"],
      [4, "chunk"],
    ] as const);
    if (kind === "none") return { input: { base, png: base.png, size, mutated: false }, label: `${base.name} as is, size ${size}` };
    const m = kind === "bytes" ? mutateBytes(rand, base.png) : (({ png, label }) => ({ value: png, label }))(mutateChunk(rand, base.png));
    return { input: { base, png: m.value, size, mutated: true }, label: `${base.name}: ${m.label}, size ${size}` };
  },
  call: ({ png, size }) => decodeImage(png, size),
  check(outcome, { base, size, mutated }) {
    const mustDecode = !mutated && base.valid && size === base.size;
    if (!outcome.ok) return mustDecode ? `refused a valid ${base.name} image: ${outcome.error.message}` : null;
    if (!mutated && !mustDecode) return `accepted ${base.name} at size ${size}`;
    const px = outcome.value;
    if (!(px instanceof Float32Array) || px.length !== size * size * 3) return `decoded ${px.length} values for size ${size}`;
    for (let i = 0; i < px.length; i++) if (!(px[i]! >= 0 && px[i]! <= 1)) return `pixel ${i} = ${px[i]}`;
    if (!mutated && base.pixels && !px.every((v, i) => Math.abs(v - base.pixels![i]!) < 1e-6)) return "decoded pixels differ from the render";
    return null;
  },
};
