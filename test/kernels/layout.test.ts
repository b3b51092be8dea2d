/**
 * The layout kernels (Slice, SplitV, Concat, Identity) as the library registers them: with
 * the native set, the strided copy of `c/copy.c`; each result must equal, bit for bit, an
 * independent index loop over the input (`sliceRef`), on shapes whose copies collapse to
 * different ranks, with unit axes, int32 and sizes above the parallel threshold. The addon's
 * fast copy is also checked against its own plain loop, with 1 and 2 threads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { copyMeta } from "../../src/kernels/native/layout.ts";
import { loadNative } from "../../src/kernels/native/load.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { KERNEL_SETS, kernelVariants } from "../helpers/kernel-sets.ts";

/** x[begin : begin + size] by a flat index loop. */
function sliceRef(x: Float32Array | Int32Array, shape: number[], begin: number[], size: number[]): number[] {
  const total = size.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let e = 0; e < total; e++) {
    let rest = e;
    let src = 0;
    let stride = 1;
    for (let a = shape.length - 1; a >= 0; a--) {
      const i = rest % size[a]!;
      rest = Math.floor(rest / size[a]!);
      src += (begin[a]! + i) * stride;
      stride *= shape[a]!;
    }
    out.push(x[src]!);
  }
  return out;
}

const rand = mulberry32(41);
const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

const SLICES: [number[], number[], number[]][] = [
  [[7, 9], [2, 3], [4, 5]],
  [[4, 6, 22], [0, 0, 6], [4, 6, 16]], // x_proj's split: innermost window
  [[2, 5, 3, 8], [1, 0, 1, 0], [1, 5, 2, 8]], // unit axis, merged inner
  [[3, 10, 4], [0, 2, 0], [3, 6, 4]], // conv tap: middle window
  [[2, 3, 4, 5, 6], [0, 1, 1, 2, 3], [2, 2, 3, 3, 3]], // rank 5
  [[16, 300, 40], [0, 0, 8], [16, 300, 24]], // above the parallel threshold
];

describe.each(kernelVariants(["wasm", "cpu"] as const))("layout kernels on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  for (const [shape, begin, size] of SLICES) {
    it(`slice ${JSON.stringify(shape)} from ${JSON.stringify(begin)} size ${JSON.stringify(size)} equals an index loop`, () => {
      const xv = values(shape.reduce((p, d) => p * d, 1));
      const x = tf.tensor(xv, shape);
      const before = tf.memory().numTensors;
      const y = tf.slice(x, begin, size);
      expect(y.shape).toEqual(size);
      expect(Array.from(y.dataSync())).toEqual(sliceRef(xv, shape, begin, size));
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  it("slices int32 tensors and a −1 size", () => {
    const xv = Int32Array.from({ length: 60 }, (_, i) => i * 7 - 100);
    const x = tf.tensor(xv, [3, 4, 5], "int32");
    const y = tf.slice(x, [1, 1, 2], [-1, 2, -1]);
    expect(y.dtype).toBe("int32");
    expect(Array.from(y.dataSync())).toEqual(sliceRef(xv, [3, 4, 5], [1, 1, 2], [2, 2, 3]));
    tf.dispose([x, y]);
  });

  it("split into sizes along each axis equals slices, and concat puts them back", () => {
    const shape = [3, 8, 10];
    const xv = values(240);
    const x = tf.tensor3d(xv, shape as [number, number, number]);
    for (let axis = 0; axis < 3; axis++) {
      const d = shape[axis]!;
      const sizes = [1, d - 3, 2];
      const before = tf.memory().numTensors;
      const parts = tf.split(x, sizes, axis);
      let start = 0;
      parts.forEach((p, i) => {
        const b = [0, 0, 0];
        const s = [...shape];
        b[axis] = start;
        s[axis] = sizes[i]!;
        expect(Array.from(p.dataSync())).toEqual(sliceRef(xv, shape, b, s));
        start += sizes[i]!;
      });
      const back = tf.concat(parts, axis);
      expect(Array.from(back.dataSync())).toEqual(Array.from(xv));
      tf.dispose([...parts, back]);
      expect(tf.memory().numTensors).toBe(before);
    }
    x.dispose();
  });

  it("concat of int32 with an empty part; identity keeps values after its input is disposed", () => {
    const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32");
    const e = tf.zeros([2, 0], "int32");
    const b = tf.tensor2d([[5], [6]], [2, 1], "int32");
    const c = tf.concat([a, e, b], 1);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 5, 3, 4, 6]);
    const x = tf.tensor1d([1.5, -2]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2]);
    tf.dispose([a, e, b, c, y]);
  });

  it("gather along axes 0 and 1 equals an index loop, its gradient sums repeated rows, and a bad index throws", () => {
    const xv = values(5 * 4 * 3);
    const x = tf.tensor3d(xv, [5, 4, 3]);
    const idx = tf.tensor2d([4, 0, 4, 2], [2, 2], "int32");
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const g0 = tf.gather(x, idx); // [2, 2, 4, 3]
      expect(g0.shape).toEqual([2, 2, 4, 3]);
      expect(Array.from(g0.dataSync())).toEqual([4, 0, 4, 2].flatMap((i) => Array.from(xv.subarray(i * 12, (i + 1) * 12))));
      const g1 = tf.gather(x, tf.tensor1d([3, 1], "int32"), 1); // [5, 2, 3]
      const expected1: number[] = [];
      for (let o = 0; o < 5; o++) for (const i of [3, 1]) expected1.push(...xv.subarray(o * 12 + i * 3, o * 12 + i * 3 + 3));
      expect(Array.from(g1.dataSync())).toEqual(expected1);
      const emb = tf.tensor2d(values(12), [4, 3]);
      const dEmb = tf.grad((e: tf.Tensor) => tf.gather(e, tf.tensor1d([1, 1, 3], "int32")).sum())(emb);
      expect(Array.from(dEmb.dataSync())).toEqual([0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1]);
      expect(() => tf.gather(x, tf.tensor1d([5], "int32"))).toThrow(/index value 5 is not in \[0, 4\]/);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, idx]);
  });

  it("pad with a constant equals an index loop (float32 and int32), as the gradient of slice", () => {
    const xv = values(2 * 3 * 4);
    const x = tf.tensor3d(xv, [2, 3, 4]);
    const y = tf.pad(x, [[1, 0], [0, 2], [3, 1]], 0.5); // [3, 5, 8]
    const yv = y.dataSync();
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 8; k++) {
      const [a, b, c] = [i - 1, j, k - 3];
      expected.push(a >= 0 && a < 2 && b < 3 && c >= 0 && c < 4 ? xv[a * 12 + b * 4 + c]! : 0.5);
    }
    expect(Array.from(yv)).toEqual(expected);
    const n = tf.pad(tf.tensor1d([7, 8], "int32"), [[2, 1]], -3);
    expect(Array.from(n.dataSync())).toEqual([-3, -3, 7, 8, -3]);
    const g = tf.grad((t: tf.Tensor) => t.slice([0, 1, 1], [2, 2, 2]).sum())(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from({ length: 24 }, (_, e) => (Math.floor(e / 4) % 3 >= 1 && e % 4 >= 1 && e % 4 <= 2 ? 1 : 0)));
    tf.dispose([x, y, n, g]);
  });

  it("gradients through slice, split and concat equal the index algebra", () => {
    const x = tf.tensor2d(values(12), [3, 4]);
    const w = tf.tensor2d(values(12), [3, 4]);
    const g = tf.grad((t: tf.Tensor) => {
      const [p, q] = tf.split(t, [1, 3], 1);
      return tf.concat([q!, p!], 1).mul(w.slice([0, 0], [3, 4])).sum();
    })(x);
    // d/dx of Σ concat([x[:,1:], x[:,:1]]) ⊙ w: w rotated right by one column
    const wv = w.arraySync() as number[][];
    expect(g.arraySync()).toEqual(wv.map((row) => [row[3]!, row[0]!, row[1]!, row[2]!]));
    tf.dispose([x, w, g]);
  });
});

describe.runIf(KERNEL_SETS.includes("native"))("native strided copy", () => {
  const native = loadNative();
  const threads = native?.info().threads ?? 1;
  afterAll(() => native?.setThreads(threads));

  it("matches its plain loop on 1 and 2 threads, and refuses a window past the buffer", () => {
    const src = values(16 * 300 * 40);
    const meta = copyMeta([16, 300, 24], [12000, 40, 1], [7200, 24, 1], 8, 0);
    const ref = new Float32Array(16 * 300 * 24);
    native!.copyStrided(src, ref, meta, 1);
    for (const t of [1, 2]) {
      native!.setThreads(t);
      const out = new Float32Array(ref.length).fill(NaN);
      native!.copyStrided(src, out, meta, 0);
      const same = Buffer.from(out.buffer).equals(Buffer.from(ref.buffer));
      expect(same, `${t} thread(s): the fast copy differs from the plain loop`).toBe(true);
    }
    expect(() => native!.copyStrided(src.subarray(0, 1000), ref, meta, 0)).toThrow(/argument 0: typed array shorter/);
    expect(() => native!.copyStrided(src, ref, new Float64Array([0]), 0)).toThrow(/rank/);
  });
});
