/**
 * The fused norms (`MeteorRmsNorm`, `MeteorLayerNorm`, native on cpu and wasm) against their
 * slow references (the composed tfjs ops in `src/lib/nn`): forward values, gradients through
 * tfjs autodiff of the reference, and gradients against central finite differences of a
 * float64 implementation written here. Also: the weight gradient does not depend on the
 * thread count (fixed row blocks), no tensor is left behind, and with the JS kernel set the
 * ops fall back to the references.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { LayerNorm, RmsNorm } from "../../src/kernels/fused/declaration.ts";
import { fusedAvailable } from "../../src/kernels/fused/ops.ts";
import { loadNative } from "../../src/kernels/native/load.ts";
import { layerNorm, layerNormReference } from "../../src/lib/nn/layernorm.ts";
import { rmsNorm, rmsNormReference } from "../../src/lib/nn/rmsnorm.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { numericGrad } from "../helpers/numeric-grad.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(23);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** Σ r ⊙ norm(x) in float64, for finite differences. params: [w] or [w, b]. */
function lossF64(kind: "rms" | "layer", x: Float64Array, rows: number, d: number, w: Float64Array, b: Float64Array | null, r: Float32Array, eps: number): number {
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    const mu = kind === "layer" ? row.reduce((s, v) => s + v, 0) / d : 0;
    const ms = row.reduce((s, v) => s + (v - mu) * (v - mu), 0) / d;
    const s = 1 / Math.sqrt(ms + eps);
    for (let j = 0; j < d; j++) loss += r[i * d + j]! * ((row[j]! - mu) * s * w[j]! + (b ? b[j]! : 0));
  }
  return loss;
}

const SHAPES: [number[], string][] = [
  [[3, 5, 7], "small rows, one thread"],
  [[4, 70, 160], "above the parallel threshold, several 64-row blocks"],
];

describe.each(kernelVariants(["wasm", "cpu"] as const))("fused norms on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it(kernels === "native" ? "have fused kernels" : "fall back to the composed ops", () => {
    expect(fusedAvailable(RmsNorm)).toBe(kernels === "native");
    expect(fusedAvailable(LayerNorm)).toBe(kernels === "native");
  });

  for (const kind of ["rms", "layer"] as const) {
    const eps = 1e-5;
    const fast = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => (kind === "rms" ? rmsNorm(x, w, eps) : layerNorm(x, w, b, eps));
    const ref = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => (kind === "rms" ? rmsNormReference(x, w, eps) : layerNormReference(x, w, b, eps));
    for (const [shape, what] of SHAPES) {
      it(`${kind}Norm ${JSON.stringify(shape)} (${what}): forward and gradients match the composed ops`, () => {
        const size = shape.reduce((p, n) => p * n, 1);
        const d = shape[shape.length - 1]!;
        const x = tf.tensor(values(size, 2), shape);
        const w = tf.tensor1d(values(d));
        const b = tf.tensor1d(values(d));
        const r = tf.tensor(values(size), shape);
        const before = tf.memory().numTensors;
        const grads = (f: typeof fast) =>
          kind === "rms" ? tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww, b).mul(r).sum())([x, w]) : tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => f(xx, ww, bb).mul(r).sum())([x, w, b]);
        const y = fast(x, w, b);
        const yRef = ref(x, w, b);
        assertAllclose(y, yRef, { atol: 1e-5, rtol: 1e-5, name: "y" });
        const g = grads(fast);
        const gRef = grads(ref);
        const rows = size / d;
        ["x", "weight", "bias"].slice(0, g.length).forEach((name, i) => {
          assertAllclose(g[i]!, gRef[i]!, { atol: 2e-5 * Math.sqrt(name === "x" ? d : rows), rtol: 1e-4, name: `d${name}` });
        });
        tf.dispose([y, yRef, ...g, ...gRef]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, w, b, r]);
      });
    }

    it(`${kind}Norm gradients match finite differences of a float64 implementation`, () => {
      const [rows, d] = [4, 6];
      const xv = values(rows * d, 2);
      const wv = values(d);
      const bv = values(d);
      const rv = values(rows * d);
      const x = tf.tensor2d(xv, [rows, d]);
      const w = tf.tensor1d(wv);
      const b = tf.tensor1d(bv);
      const r = tf.tensor2d(rv, [rows, d]);
      const g =
        kind === "rms" ? tf.grads((xx: tf.Tensor, ww: tf.Tensor) => fast(xx, ww, b).mul(r).sum())([x, w]) : tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => fast(xx, ww, bb).mul(r).sum())([x, w, b]);
      const x64 = Float64Array.from(xv);
      const w64 = Float64Array.from(wv);
      const b64 = Float64Array.from(bv);
      const f = () => lossF64(kind, x64, rows, d, w64, kind === "layer" ? b64 : null, rv, eps);
      assertAllclose(g[0]!, numericGrad(x64, f, 1e-4), { atol: 1e-3, rtol: 1e-3, name: "dx" });
      assertAllclose(g[1]!, numericGrad(w64, f, 1e-4), { atol: 1e-3, rtol: 1e-3, name: "dweight" });
      if (kind === "layer") assertAllclose(g[2]!, numericGrad(b64, f, 1e-4), { atol: 1e-3, rtol: 1e-3, name: "dbias" });
      tf.dispose([x, w, b, r, ...g]);
    });
  }
});

describe.runIf(loadNative() !== null)("native norms across thread counts", () => {
  const native = loadNative()!;
  const threads = native.info().threads;
  afterAll(() => native.setThreads(threads));

  it("give bitwise the same outputs and gradients on 1 and 2 threads", () => {
    const [rows, d] = [300, 160];
    const x = values(rows * d, 2);
    const w = values(d);
    const b = values(d);
    const dy = values(rows * d);
    const run = (t: number) => {
      native.setThreads(t);
      const out = { y: new Float32Array(rows * d), mean: new Float32Array(rows), rstd: new Float32Array(rows), dx: new Float32Array(rows * d), dw: new Float32Array(d), db: new Float32Array(d) };
      native.rmsnormForward(x, w, out.y, out.rstd, rows, d, 1e-5);
      native.rmsnormBackward(dy, x, w, out.rstd, out.dx, out.dw, rows, d);
      const ln = { y: new Float32Array(rows * d), dx: new Float32Array(rows * d) };
      native.layernormForward(x, w, b, ln.y, out.mean, out.rstd, rows, d, 1e-5);
      native.layernormBackward(dy, x, w, out.mean, out.rstd, ln.dx, out.dw.slice(), out.db, rows, d);
      return [out.y, out.dx, out.dw, ln.y, ln.dx, out.db].map((a) => Buffer.from(a.buffer).toString("base64"));
    };
    expect(run(2)).toEqual(run(1));
  });
});
