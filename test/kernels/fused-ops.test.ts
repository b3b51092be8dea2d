/**
 * The fused SwiGLU, causal softmax and cross-entropy (native on cpu and wasm) against their
 * slow references (the composed tfjs ops beside them: `swiGluReference`,
 * `causalSoftmaxReference`, `maskedCrossEntropyReference`): forward values, gradients through
 * tfjs autodiff of the reference, and gradients against central finite differences of float64
 * implementations written here; no tensor is left behind. With the JS kernel set the public
 * functions fall back to the references.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { CausalSoftmax, CrossEntropy, SwiGlu } from "../../src/kernels/fused/declaration.ts";
import { fusedAvailable } from "../../src/kernels/fused/ops.ts";
import { swiGlu, swiGluReference } from "../../src/lib/nn/activations.ts";
import { causalSoftmax, causalSoftmaxReference } from "../../src/lib/nn/causal-softmax.ts";
import { maskedCrossEntropy, maskedCrossEntropyReference } from "../../src/lib/train/loss.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { numericGrad } from "../helpers/numeric-grad.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(31);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Σ r ⊙ causal softmax(s·scale) in float64; s [rows, t], row r is query r mod l. */
function softmaxLoss(s: Float64Array, r: Float32Array, rows: number, l: number, t: number, past: number, scale: number): number {
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const seen = Math.min(t, past + (i % l) + 1);
    const row = Array.from(s.subarray(i * t, i * t + seen), (x) => x * scale);
    const mx = Math.max(...row);
    const z = row.reduce((a, x) => a + Math.exp(x - mx), 0);
    row.forEach((x, j) => (loss += r[i * t + j]! * (Math.exp(x - mx) / z)));
  }
  return loss;
}

/** Mean cross-entropy in float64 over rows with target ≥ 0. */
function ceLoss(x: Float64Array, targets: Int32Array, v: number): number {
  let total = 0;
  let count = 0;
  targets.forEach((t, i) => {
    if (t < 0) return;
    const row = x.subarray(i * v, (i + 1) * v);
    const mx = Math.max(...row);
    total += mx + Math.log(row.reduce((a, y) => a + Math.exp(y - mx), 0)) - row[t]!;
    count++;
  });
  return total / count;
}

describe.each(kernelVariants(["wasm", "cpu"] as const))("fused SwiGLU, causal softmax, cross-entropy on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it(kernels === "native" ? "have fused kernels" : "fall back to the composed ops", () => {
    for (const k of [SwiGlu, CausalSoftmax, CrossEntropy]) expect(fusedAvailable(k), k).toBe(kernels === "native");
  });

  for (const shape of [[3, 7], [4, 60, 384]]) {
    it(`swiGlu ${JSON.stringify(shape)}: forward and gradients match the composed ops`, () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const [a, b, r] = [values(n, 4), values(n), values(n)].map((v) => tf.tensor(v, shape));
      const before = tf.memory().numTensors;
      const f = (fn: typeof swiGlu) => tf.grads((x: tf.Tensor, y: tf.Tensor) => fn(x, y).mul(r!).sum())([a!, b!]);
      const y = swiGlu(a!, b!);
      const yRef = swiGluReference(a!, b!);
      assertAllclose(y, yRef, { atol: 1e-6, rtol: 1e-5, name: "y" });
      const [g, gRef] = [f(swiGlu), f(swiGluReference)];
      assertAllclose(g[0]!, gRef[0]!, { atol: 1e-6, rtol: 1e-5, name: "da" });
      assertAllclose(g[1]!, gRef[1]!, { atol: 1e-6, rtol: 1e-5, name: "db" });
      tf.dispose([y, yRef, ...g, ...gRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a!, b!, r!]);
    });
  }

  it("swiGlu gradients match finite differences of a float64 implementation", () => {
    const [av, bv, rv] = [values(10, 4), values(10), values(10)];
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => swiGlu(x, y).mul(tf.tensor1d(rv)).sum())([tf.tensor1d(av), tf.tensor1d(bv)]);
    const a64 = Float64Array.from(av);
    const b64 = Float64Array.from(bv);
    const f = () => a64.reduce((s, x, i) => s + rv[i]! * x * sigmoid(x) * b64[i]!, 0);
    assertAllclose(g[0]!, numericGrad(a64, f), { atol: 1e-4, rtol: 1e-3, name: "da" });
    assertAllclose(g[1]!, numericGrad(b64, f), { atol: 1e-4, rtol: 1e-3, name: "db" });
    tf.dispose(g);
  });

  for (const [lead, l, past, what] of [[[2, 3], 5, 0, "no cache"], [[2], 3, 4, "after 4 cached keys"], [[2, 4], 70, 0, "above the parallel threshold"]] as const) {
    it(`causalSoftmax [${lead}, ${l}, t] ${what}: forward and gradients match the composed ops`, () => {
      const t = past + l;
      const shape = [...lead, l, t];
      const n = shape.reduce((p, d) => p * d, 1);
      const s = tf.tensor(values(n, 6), shape);
      const r = tf.tensor(values(n), shape);
      const scale = 0.35;
      const before = tf.memory().numTensors;
      const p = causalSoftmax(s, scale, past);
      const pRef = causalSoftmaxReference(s, scale, past);
      assertAllclose(p, pRef, { atol: 1e-6, rtol: 1e-5, name: "probs" });
      const g = tf.grad((x: tf.Tensor) => causalSoftmax(x, scale, past).mul(r).sum())(s);
      const gRef = tf.grad((x: tf.Tensor) => causalSoftmaxReference(x, scale, past).mul(r).sum())(s);
      assertAllclose(g, gRef, { atol: 1e-6, rtol: 1e-4, name: "dscores" });
      tf.dispose([p, pRef, g, gRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([s, r]);
    });
  }

  it("causalSoftmax gradients match finite differences of a float64 implementation, with a cache", () => {
    const [rows, l, t, past, scale] = [4, 2, 5, 3, 0.5];
    const sv = values(rows * t, 3);
    const rv = values(rows * t);
    const g = tf.grad((x: tf.Tensor) => causalSoftmax(x, scale, past).mul(tf.tensor3d(rv, [2, l, t])).sum())(tf.tensor3d(sv, [2, l, t]));
    const s64 = Float64Array.from(sv);
    assertAllclose(g, numericGrad(s64, () => softmaxLoss(s64, rv, rows, l, t, past, scale)), { atol: 1e-4, rtol: 1e-3, name: "dscores", shape: [2, l, t] });
    g.dispose();
  });

  it("maskedCrossEntropy: loss and gradient match the composed ops and finite differences, ignoring −1 targets", () => {
    const [b, l, v] = [2, 5, 9];
    const xv = values(b * l * v, 3);
    const targets = Int32Array.from({ length: b * l }, (_, i) => (i % 3 === 1 ? -1 : (i * 5) % v));
    const count = targets.filter((t) => t >= 0).length;
    const x = tf.tensor3d(xv, [b, l, v]);
    const before = tf.memory().numTensors;
    const loss = maskedCrossEntropy(x, targets);
    const lossRef = maskedCrossEntropyReference(x, targets, count);
    assertAllclose(loss, lossRef, { atol: 1e-6, rtol: 1e-6, name: "loss" });
    const g = tf.grad((y: tf.Tensor) => maskedCrossEntropy(y as tf.Tensor3D, targets))(x);
    const gRef = tf.grad((y: tf.Tensor) => maskedCrossEntropyReference(y as tf.Tensor3D, targets, count))(x);
    assertAllclose(g, gRef, { atol: 1e-7, rtol: 1e-5, name: "dlogits" });
    const x64 = Float64Array.from(xv);
    assertAllclose(loss, ceLoss(x64, targets, v), { atol: 1e-5, rtol: 1e-6, name: "loss vs float64" });
    assertAllclose(g, numericGrad(x64, () => ceLoss(x64, targets, v)), { atol: 1e-5, rtol: 1e-3, name: "dlogits vs finite differences", shape: [b, l, v] });
    tf.dispose([loss, lossRef, g, gRef]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
