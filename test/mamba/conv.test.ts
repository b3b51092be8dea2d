/**
 * The Mamba block's fused causal conv1d + SiLU (`MeteorConvSilu`, native on cpu and wasm)
 * against its slow reference (`causalConvSiluReference`, the composed ops): forward values
 * and gradients through tfjs autodiff of the reference, gradients against central finite
 * differences of a float64 implementation written here, and weight gradients that do not
 * depend on the thread count. No tensor is left behind. With the JS kernel set the public
 * function falls back to the reference.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { ConvSilu } from "../../src/kernels/fused/declaration.ts";
import { fusedAvailable, fusedConvSilu } from "../../src/kernels/fused/ops.ts";
import { loadNative } from "../../src/kernels/native/load.ts";
import { causalConvSilu, causalConvSiluReference } from "../../src/lib/mamba/conv.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { numericGrad } from "../helpers/numeric-grad.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(11);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** Σ r ⊙ silu(conv(x) + bias) in float64; x [b, l+k−1, e], w [e, k]. */
function convLoss(x: Float64Array, w: Float64Array, bias: Float64Array, r: Float32Array, b: number, l: number, e: number, k: number): number {
  let loss = 0;
  for (let i = 0; i < b; i++) {
    for (let t = 0; t < l; t++) {
      for (let c = 0; c < e; c++) {
        let pre = bias[c]!;
        for (let j = 0; j < k; j++) pre += x[(i * (l + k - 1) + t + j) * e + c]! * w[c * k + j]!;
        loss += r[(i * l + t) * e + c]! * (pre / (1 + Math.exp(-pre)));
      }
    }
  }
  return loss;
}

describe.each(kernelVariants(["wasm", "cpu"] as const))("causal conv1d + SiLU on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it(kernels === "native" ? "has a fused kernel" : "falls back to the composed ops", () => {
    expect(fusedAvailable(ConvSilu)).toBe(kernels === "native");
  });

  // [b, l, e, k]: Mamba's k = 4, an e that is no multiple of 16, k = 1, and one above the threading threshold
  for (const [b, l, e, k] of [[2, 5, 19, 4], [1, 3, 8, 1], [3, 2, 5, 2], [4, 60, 192, 4]] as const) {
    it(`[${b}, ${l}, ${e}] with ${k} taps: forward and gradients (x, weight, bias) match the composed ops`, () => {
      const x = tf.tensor3d(values(b * (l + k - 1) * e, 2), [b, l + k - 1, e]);
      const w = tf.tensor3d(values(e * k), [e, 1, k]);
      const bias = tf.tensor1d(values(e, 0.5));
      const r = tf.tensor3d(values(b * l * e), [b, l, e]);
      const before = tf.memory().numTensors;
      const y = causalConvSilu(x, w, bias);
      const yRef = causalConvSiluReference(x, w, bias);
      assertAllclose(y, yRef, { atol: 1e-6, rtol: 1e-5, name: "y" });
      const grads = (fn: typeof causalConvSilu) => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => fn(a as tf.Tensor3D, c, d).mul(r).sum())([x, w, bias]);
      const [g, gRef] = [grads(causalConvSilu), grads(causalConvSiluReference)];
      ["dx", "dweight", "dbias"].forEach((name, i) => assertAllclose(g[i]!, gRef[i]!, { atol: 1e-5, rtol: 1e-4, name }));
      tf.dispose([y, yRef, ...g, ...gRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, bias, r]);
    });
  }

  it("without a bias equals a zero bias", () => {
    const x = tf.tensor3d(values(2 * 6 * 7), [2, 6, 7]);
    const w = tf.tensor3d(values(7 * 4), [7, 1, 4]);
    const [a, ref] = [causalConvSilu(x, w), causalConvSiluReference(x, w, tf.zeros([7]))];
    assertAllclose(a, ref, { atol: 1e-6, rtol: 1e-5, name: "y" });
    tf.dispose([x, w, a, ref]);
  });

  it("gradients match finite differences of a float64 implementation", () => {
    const [b, l, e, k] = [2, 4, 3, 3];
    const [xv, wv, bv, rv] = [values(b * (l + k - 1) * e, 2), values(e * k), values(e, 0.5), values(b * l * e)];
    const g = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => causalConvSilu(a as tf.Tensor3D, c, d).mul(tf.tensor3d(rv, [b, l, e])).sum())([
      tf.tensor3d(xv, [b, l + k - 1, e]),
      tf.tensor3d(wv, [e, 1, k]),
      tf.tensor1d(bv),
    ]);
    const [x64, w64, b64] = [xv, wv, bv].map((v) => Float64Array.from(v)) as [Float64Array, Float64Array, Float64Array];
    const f = () => convLoss(x64, w64, b64, rv, b, l, e, k);
    assertAllclose(g[0]!, numericGrad(x64, f), { atol: 1e-4, rtol: 1e-3, name: "dx", shape: [b, l + k - 1, e] });
    assertAllclose(g[1]!, numericGrad(w64, f), { atol: 1e-4, rtol: 1e-3, name: "dweight", shape: [e, 1, k] });
    assertAllclose(g[2]!, numericGrad(b64, f), { atol: 1e-4, rtol: 1e-3, name: "dbias" });
    tf.dispose(g);
  });

  it.runIf(kernels === "native")("weight and bias gradients do not depend on the thread count", () => {
    const native = loadNative()!;
    const [b, l, e, k] = [8, 50, 96, 4];
    const x = tf.tensor3d(values(b * (l + k - 1) * e), [b, l + k - 1, e]);
    const w = tf.tensor2d(values(e * k), [e, k]);
    const bias = tf.tensor1d(values(e));
    const r = tf.tensor3d(values(b * l * e), [b, l, e]);
    const run = (threads: number) => {
      native.setThreads(threads);
      const g = tf.grads((c: tf.Tensor, d: tf.Tensor) => fusedConvSilu(x, c as tf.Tensor2D, d as tf.Tensor1D).mul(r).sum())([w, bias]);
      const out = g.map((t) => t.dataSync().slice());
      tf.dispose(g);
      return out;
    };
    const threads = native.info().threads;
    const [one, two] = [run(1), run(Math.max(2, threads))];
    native.setThreads(threads);
    expect(two).toEqual(one);
    tf.dispose([x, w, bias, r]);
  });

  it.runIf(kernels === "native")("rejects mismatched shapes, naming them", () => {
    const x = tf.zeros([2, 5, 4]) as tf.Tensor3D;
    expect(() => fusedConvSilu(x, tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([4]) as tf.Tensor1D)).toThrow(/weight \[e, k\], got \[2,5,4\] and \[3,4\]/);
    expect(() => fusedConvSilu(x, tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D)).toThrow(/bias must be \[4\]/);
  });
});
