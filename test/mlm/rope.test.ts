/**
 * The rotary embedding: the fused kernel (`MeteorRope`, native on cpu and wasm) against its
 * slow reference (`applyRopeReference`, the composed ops) — bit-for-bit forward, gradients
 * through tfjs autodiff of the reference — and both against a hand-computed rotation and a
 * float64 finite-difference gradient. No tensor is left behind.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { Rope } from "../../src/kernels/fused/declaration.ts";
import { fusedAvailable } from "../../src/kernels/fused/ops.ts";
import { applyRope, applyRopeReference, ropeTables } from "../../src/lib/mlm/rope.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { numericGrad } from "../helpers/numeric-grad.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(5);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

describe.each(kernelVariants(["wasm", "cpu"] as const))("rotary embedding on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it(kernels === "native" ? "has a fused kernel" : "falls back to the composed ops", () => {
    expect(fusedAvailable(Rope)).toBe(kernels === "native");
  });

  it("rotates each pair (i, i + hd/2) by position · θ^(−2i/hd), by hand", () => {
    // hd = 4, θ = 100: frequencies 1 and 0.1; position 3 (offset 2, second row)
    const { cos, sin } = ropeTables(2, 4, 100, 2);
    const x = tf.tensor4d([0, 0, 0, 0, 1, 2, 3, 4], [1, 1, 2, 4]);
    const y = applyRope(x, cos, sin).dataSync().slice(4);
    const [a0, a1] = [3 * 1, 3 * 0.1];
    const want = [1 * Math.cos(a0) - 3 * Math.sin(a0), 2 * Math.cos(a1) - 4 * Math.sin(a1), 3 * Math.cos(a0) + 1 * Math.sin(a0), 4 * Math.cos(a1) + 2 * Math.sin(a1)];
    assertAllclose(y, want, { atol: 1e-6, rtol: 1e-6, name: "y" });
    tf.dispose([cos, sin, x]);
  });

  for (const [b, h, l, hd, past] of [[2, 3, 5, 20, 0], [1, 2, 4, 6, 7], [16, 8, 128, 20, 0]] as const) {
    it(`[${b}, ${h}, ${l}, ${hd}] after ${past} positions: forward bit-for-bit, gradient as the composed ops`, () => {
      const { cos, sin } = ropeTables(l, hd, 10000, past);
      const x = tf.tensor4d(values(b * h * l * hd, 3), [b, h, l, hd]);
      const r = tf.tensor4d(values(b * h * l * hd), [b, h, l, hd]);
      const before = tf.memory().numTensors;
      const [y, yRef] = [applyRope(x, cos, sin), applyRopeReference(x, cos, sin)];
      const [yv, rv] = [y.dataSync(), yRef.dataSync()];
      const differ = yv.findIndex((v, i) => v !== rv[i]);
      expect(differ, `y[${differ}]: ${yv[differ]} vs ${rv[differ]}`).toBe(-1);
      const g = tf.grad((t: tf.Tensor) => applyRope(t as tf.Tensor4D, cos, sin).mul(r).sum())(x);
      const gRef = tf.grad((t: tf.Tensor) => applyRopeReference(t as tf.Tensor4D, cos, sin).mul(r).sum())(x);
      assertAllclose(g, gRef, { atol: 1e-6, rtol: 1e-6, name: "dx" });
      tf.dispose([y, yRef, g, gRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([cos, sin, x, r]);
    });
  }

  it("the gradient matches finite differences of a float64 rotation", () => {
    const [l, hd] = [3, 4];
    const { cos, sin } = ropeTables(l, hd, 50);
    const [c, s] = [cos.dataSync(), sin.dataSync()];
    const [xv, rv] = [values(l * hd), values(l * hd)];
    const g = tf.grad((t: tf.Tensor) => applyRope(t as tf.Tensor4D, cos, sin).mul(tf.tensor4d(rv, [1, 1, l, hd])).sum())(tf.tensor4d(xv, [1, 1, l, hd]));
    const x64 = Float64Array.from(xv);
    const half = hd / 2;
    const f = () => {
      let loss = 0;
      for (let t = 0; t < l; t++) {
        for (let i = 0; i < hd; i++) {
          const rot = i < half ? -x64[t * hd + i + half]! : x64[t * hd + i - half]!;
          loss += rv[t * hd + i]! * (x64[t * hd + i]! * c[t * hd + i]! + rot * s[t * hd + i]!);
        }
      }
      return loss;
    };
    assertAllclose(g, numericGrad(x64, f), { atol: 1e-4, rtol: 1e-3, name: "dx", shape: [1, 1, l, hd] });
    tf.dispose([g, cos, sin]);
  });
});
