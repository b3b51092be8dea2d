/**
 * UnsortedSegmentSum (the gradient of gather: embedding lookups) on cpu and wasm, with the JS
 * scatter-add kernel and with the native one: a hand-computed case, out-of-range ids dropped
 * as TensorFlow does, agreement with the plain reference loop on a large case, sums that do not
 * depend on the thread count, and the embedding gradient it produces. No tensor is left behind.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { getKernel, UnsortedSegmentSum } from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/lib/backend.ts";
import { isNativeKernel } from "../../src/kernels/native/register.ts";
import { loadNative } from "../../src/kernels/native/load.ts";
import { unsortedSegmentSumRef } from "../../src/kernels/segment-sum/reference.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(3);

describe.each(kernelVariants(["wasm", "cpu"] as const))("UnsortedSegmentSum on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it("runs the kernel set asked for", () => {
    expect(isNativeKernel(getKernel(UnsortedSegmentSum, backend)?.kernelFunc)).toBe(kernels === "native");
  });

  it("adds rows into their segments, dropping ids outside the range (by hand)", () => {
    const x = tf.tensor2d([1, 2, 10, 20, 100, 200, 7, 7, 5, 6], [5, 2]);
    const ids = tf.tensor1d([2, 0, 2, -1, 4], "int32");
    const before = tf.memory().numTensors;
    const out = tf.unsortedSegmentSum(x, ids, 3);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.dataSync())).toEqual([10, 20, 0, 0, 101, 202]); // id 4 ≥ 3 and id −1 dropped
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ids]);
  });

  it("matches the plain loop on a large case, and the thread count does not change it", () => {
    const [rows, k, segments] = [2048, 160, 397];
    const xv = Float32Array.from({ length: rows * k }, () => rand() * 2 - 1);
    const idv = Int32Array.from({ length: rows }, () => Math.floor(rand() * segments));
    const [x, ids] = [tf.tensor2d(xv, [rows, k]), tf.tensor1d(idv, "int32")];
    const run = () => {
      const out = tf.unsortedSegmentSum(x, ids, segments);
      const v = out.dataSync().slice();
      out.dispose();
      return v;
    };
    const native = loadNative();
    const threads = native?.info().threads ?? 1;
    native?.setThreads(1);
    const one = run();
    native?.setThreads(Math.max(2, threads));
    const two = run();
    native?.setThreads(threads);
    assertAllclose(one, unsortedSegmentSumRef(xv, idv, segments, k), { atol: 1e-6, rtol: 1e-6, name: "sum" });
    expect(Array.from(two)).toEqual(Array.from(one));
    tf.dispose([x, ids]);
  });

  it("gives gather's gradient: each table row receives the sum of the upstream rows that read it", () => {
    const table = tf.tensor2d([0, 0, 0, 0, 0, 0], [3, 2]);
    const idx = tf.tensor1d([1, 1, 2], "int32");
    const up = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.gather(t, idx).mul(up).sum())(table);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 4, 6, 5, 6]);
    tf.dispose([table, idx, up, g]);
  });
});
