/**
 * A minimal PNG encoder in plain TypeScript (Node and browser alike), used to embed MNIST
 * digits in SVG as `data:` URIs. Deflate uses "stored" (uncompressed) blocks: a 28×28
 * grey+alpha digit is 1.6 KB, and the encoder needs neither zlib nor a canvas.
 * Format: PNG 1.2 (W3C), zlib RFC 1950, deflate RFC 1951 §3.2.4.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const u32 = (x: number) => [(x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];

function chunk(type: string, data: Uint8Array): number[] {
  const body = new Uint8Array(4 + data.length);
  for (let i = 0; i < 4; i++) body[i] = type.charCodeAt(i);
  body.set(data, 4);
  return [...u32(data.length), ...body, ...u32(crc32(body))];
}

/** zlib stream of stored deflate blocks (≤ 65535 bytes each). */
function zlibStored(data: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  for (let pos = 0; pos === 0 || pos < data.length; pos += 65535) {
    const len = Math.min(65535, data.length - pos);
    out.push(pos + len >= data.length ? 1 : 0, len & 255, len >>> 8, ~len & 255, (~len >>> 8) & 255);
    for (let i = 0; i < len; i++) out.push(data[pos + i]!);
  }
  out.push(...u32(adler32(data)));
  return Uint8Array.from(out);
}

const COLOR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/** 8-bit PNG of `channels` (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from row-major `data`. */
export function encodePng(width: number, height: number, channels: 1 | 2 | 3 | 4, data: Uint8Array): Uint8Array {
  if (data.length !== width * height * channels) throw new RangeError(`encodePng: ${data.length} bytes for ${width}×${height}×${channels}`);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1)); // filter byte 0 (None) before each row
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Uint8Array.from([...u32(width), ...u32(height), 8, COLOR_TYPE[channels], 0, 0, 0]);
  return Uint8Array.from([
    137, 80, 78, 71, 13, 10, 26, 10,
    ...chunk("IHDR", ihdr),
    ...chunk("IDAT", zlibStored(raw)),
    ...chunk("IEND", new Uint8Array(0)),
  ]);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding (RFC 4648 §4). */
export function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    s += B64[(n >>> 18) & 63]! + B64[(n >>> 12) & 63]! + (b === undefined ? "=" : B64[(n >>> 6) & 63]!) + (c === undefined ? "=" : B64[n & 63]!);
  }
  return s;
}
