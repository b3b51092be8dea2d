import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";
import { nativeKernelsActive } from "../../src/kernels/native/register.ts";

/** Plain triple loop over [batch, m, k] · [batch, k, n] with optional transposes. */
function matmulRef(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = tA ? a[z * k * m + p * m + i]! : a[z * m * k + i * k + p]!;
          const bv = tB ? b[z * n * k + j * k + p]! : b[z * k * n + p * n + j]!;
          s += av * bv;
        }
        out[z * m * n + i * n + j] = s;
      }
  return out;
}

/**
 * BatchMatMul as the library registers it: on wasm the JS rewrite (materialised transposes,
 * batch slices) or the native sgemm; on cpu tfjs's own kernel or the native sgemm.
 */
describe.each(kernelVariants(["wasm", "cpu"] as const))("BatchMatMul on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it("uses the kernels asked for", () => {
    expect(nativeKernelsActive(backend)).toBe(kernels === "native");
  });

  const rand = mulberry32(5);
  const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

  for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    it(`matches a plain loop with transposeA=${tA}, transposeB=${tB} (batched, odd sizes)`, () => {
      const [batch, m, k, n] = [3, 7, 5, 9];
      const av = values(batch * m * k);
      const bv = values(batch * k * n);
      const a = tf.tensor3d(av, tA ? [batch, k, m] : [batch, m, k]);
      const b = tf.tensor3d(bv, tB ? [batch, n, k] : [batch, k, n]);
      const before = tf.memory().numTensors;
      const c = tf.matMul(a, b, tA, tB);
      assertAllclose(c, matmulRef(av, bv, batch, m, k, n, tA, tB), { atol: 1e-5, rtol: 1e-5, name: "product" });
      c.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b]);
    });
  }

  it("broadcasts a single matrix against a batch of rank 4, both ways", () => {
    const av = values(4 * 2 * 6 * 5);
    const bv = values(5 * 3);
    const a = tf.tensor4d(av, [4, 2, 6, 5]);
    const b = tf.tensor2d(bv, [5, 3]);
    const c = tf.matMul(a, b);
    expect(c.shape).toEqual([4, 2, 6, 3]);
    assertAllclose(c, matmulRef(av, Float32Array.from({ length: 8 * 15 }, (_, i) => bv[i % 15]!), 8, 6, 5, 3, false, false), { atol: 1e-5, rtol: 1e-5, name: "a batch · b" });
    const cT = tf.matMul(b, a, true, true); // [3, 5] · [.., 5, 6] → [4, 2, 3, 6]
    expect(cT.shape).toEqual([4, 2, 3, 6]);
    assertAllclose(cT, tf.tidy(() => tf.matMul(a, b).transpose([0, 1, 3, 2])), { atol: 1e-5, rtol: 1e-5, name: "bᵀ · a batchᵀ" });
    tf.dispose([a, b, c, cT]);
  });

  it("gives the gradients of x · Wᵀ that finite differences give", () => {
    const x = tf.tensor2d(values(4 * 3), [4, 3]);
    const w = tf.tensor2d(values(2 * 3), [2, 3]);
    const g = tf.tensor2d(values(4 * 2), [4, 2]);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.matMul(xx, ww, false, true).mul(g).sum() as tf.Scalar;
    const [dx, dw] = tf.grads(f)([x, w]);
    // f is bilinear: df/dx = g · W, df/dw = gᵀ · x, exactly
    assertAllclose(dx!, tf.matMul(g, w), { atol: 1e-5, rtol: 1e-5, name: "dx" });
    assertAllclose(dw!, tf.matMul(g, x, true, false), { atol: 1e-5, rtol: 1e-5, name: "dw" });
    const h = 1e-2;
    const xv = x.arraySync() as number[][];
    xv[1]![2]! += h;
    const up = f(tf.tensor2d(xv), w).dataSync()[0]!;
    xv[1]![2]! -= 2 * h;
    const down = f(tf.tensor2d(xv), w).dataSync()[0]!;
    expect((dx!.arraySync() as number[][])[1]![2]!).toBeCloseTo((up - down) / (2 * h), 3);
  });
});
