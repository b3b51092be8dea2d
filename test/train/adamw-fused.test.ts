/**
 * The optimizer's fused kernels (`MeteorAdamW`, `MeteorGlobalNorm`, native on cpu and wasm)
 * against their slow references — the composed tfjs ops of `AdamW.apply` and
 * `globalNormReference`, run in the same process with the fused kernels unregistered — and
 * against a float64 AdamW written here from PyTorch's formulas. With the JS kernel set the
 * optimizer runs the composed ops. No tensor is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { AdamW as AdamWKernel, GlobalNorm } from "../../src/kernels/fused/declaration.ts";
import { fusedAdamW, fusedAvailable, fusedGlobalNorm } from "../../src/kernels/fused/ops.ts";
import { setFusedKernels } from "../../src/kernels/native/register.ts";
import { loadNative } from "../../src/kernels/native/load.ts";
import { AdamW, ADAMW_DEFAULTS } from "../../src/lib/train/adamw.ts";
import { clipScale, globalNorm, globalNormReference } from "../../src/lib/train/loss.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";

const rand = mulberry32(7);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** Parameter shapes: matrices (decayed), a vector and a scalar-sized one (not), and one past the kernel's threading threshold. */
const SHAPES: Record<string, number[]> = { w: [6, 5], b: [5], s: [1], big: [300, 129], emb: [4, 3, 2] };

/** Three steps of gradients per parameter, with large and tiny magnitudes. */
const GRADS: Record<string, Float32Array[]> = Object.fromEntries(
  Object.entries(SHAPES).map(([k, s]) => [k, [1, 1e-4, 30].map((scale) => values(s.reduce((a, b) => a * b, 1), scale))]),
);
const INIT: Record<string, Float32Array> = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, values(s.reduce((a, b) => a * b, 1))]));
const LRS = [1e-3, 5e-4, 2e-3];
const SCALES = [1, 0.37, 1];

/** Runs the three steps with a fresh optimizer; returns the parameters and moments, read back. */
function runSteps(): { p: Record<string, Float32Array>; m: Record<string, Float32Array>; v: Record<string, Float32Array> } {
  const vars = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, tf.tidy(() => tf.variable(tf.tensor(INIT[k]!, s), true, `adamw-test-${k}-${rand()}`))]));
  const opt = new AdamW();
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, tf.tensor(GRADS[k]![step]!, s)]));
    opt.apply(vars, grads, LRS[step]!, SCALES[step]);
    tf.dispose(Object.values(grads));
  }
  const read = (r: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.dataSync() as Float32Array]));
  const out = { p: read(vars), m: read(opt.state.m), v: read(opt.state.v) };
  opt.dispose();
  tf.dispose(Object.values(vars));
  return out;
}

/** PyTorch's AdamW in float64 (decay on rank ≥ 2), the same three steps. */
function adamW64(name: string): Float64Array {
  const { beta1, beta2, eps, weightDecay } = ADAMW_DEFAULTS;
  const p = Float64Array.from(INIT[name]!);
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  const decays = SHAPES[name]!.length >= 2;
  for (let step = 0; step < 3; step++) {
    const t = step + 1;
    const lr = LRS[step]!;
    const g = GRADS[name]![step]!;
    for (let j = 0; j < p.length; j++) {
      const gs = g[j]! * SCALES[step]!;
      if (decays) p[j] = p[j]! * (1 - lr * weightDecay);
      m[j] = beta1 * m[j]! + (1 - beta1) * gs;
      v[j] = beta2 * v[j]! + (1 - beta2) * gs * gs;
      p[j] = p[j]! - (lr / (1 - beta1 ** t)) * (m[j]! / (Math.sqrt(v[j]! / (1 - beta2 ** t)) + eps));
    }
  }
  return p;
}

describe.each(kernelVariants(["wasm", "cpu"] as const))("AdamW and the global norm on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });
  afterAll(() => {
    if (kernels === "native") setFusedKernels(true);
  });

  it(kernels === "native" ? "have fused kernels" : "fall back to the composed ops", () => {
    for (const k of [AdamWKernel, GlobalNorm]) expect(fusedAvailable(k), k).toBe(kernels === "native");
  });

  it("three steps (clipped and not) match a float64 AdamW, leaving no tensor behind", () => {
    const before = tf.memory().numTensors;
    const { p } = runSteps();
    expect(tf.memory().numTensors).toBe(before);
    for (const name of Object.keys(SHAPES)) assertAllclose(p[name]!, adamW64(name), { atol: 1e-6, rtol: 1e-5, name: `${name} vs float64` });
  });

  it.runIf(kernels === "native")("the fused step is bit-for-bit the composed ops' (parameters and both moments)", () => {
    const fused = runSteps();
    setFusedKernels(false);
    expect(fusedAvailable(AdamWKernel)).toBe(false);
    const composed = runSteps();
    setFusedKernels(true);
    for (const part of ["p", "m", "v"] as const) {
      for (const name of Object.keys(SHAPES)) {
        const [a, b] = [fused[part][name]!, composed[part][name]!];
        const differ = a.findIndex((x, j) => x !== b[j]);
        expect(differ, `${part}.${name}[${differ}]: fused ${a[differ]} vs composed ${b[differ]}`).toBe(-1);
      }
    }
  });

  it("the global norm matches a float64 sum and the composed ops; clipScale clips only above the limit", () => {
    const ts = Object.fromEntries(Object.entries(SHAPES).map(([k, s]) => [k, tf.tensor(GRADS[k]![0]!, s)]));
    let sum = 0;
    for (const k of Object.keys(SHAPES)) for (const x of GRADS[k]![0]!) sum += x * x;
    const before = tf.memory().numTensors;
    const [norm, ref] = [globalNorm(ts), globalNormReference(ts)];
    // float64 sums (fused): only the final rounding to float32; float32 sums (composed): 1e-5
    expect(Math.abs(norm.dataSync()[0]! - Math.sqrt(sum)) / Math.sqrt(sum)).toBeLessThan(kernels === "native" ? 1e-7 : 1e-5);
    assertAllclose(norm, ref, { atol: 0, rtol: 1e-5, name: "fused vs composed" });
    tf.dispose([norm, ref]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(ts));
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(4, 1)).toBeCloseTo(0.25, 6);
    expect(clipScale(Number.NaN, 1)).toBe(1);
  });

  it.runIf(kernels === "native")("the global norm does not depend on the thread count", () => {
    const native = loadNative()!;
    const x = tf.tensor1d(values(100_003, 3));
    const threads = native.info().threads;
    native.setThreads(1);
    const one = fusedGlobalNorm([x, x]);
    native.setThreads(Math.max(2, threads));
    const two = fusedGlobalNorm([x, x]);
    native.setThreads(threads);
    expect(two.dataSync()[0]).toBe(one.dataSync()[0]);
    tf.dispose([x, one, two]);
  });

  it.runIf(kernels === "native")("rejects tensors of different sizes and a wrong decay count, naming them", () => {
    const [p, g] = [tf.zeros([3]), tf.zeros([4])];
    const attrs = { beta1: 0.9, beta2: 0.95, eps: 1e-8, c2: 0.05, stepSize: 1e-3, gradScale: 1, decay: [1] };
    const before = tf.memory().numTensors;
    expect(() => fusedAdamW([{ p, g, m: p, v: p }], attrs)).toThrow(/p0, g0, m0, v0 must have one size/);
    expect(() => fusedAdamW([{ p, g: p, m: p, v: p }], { ...attrs, decay: [1, 1] })).toThrow(/1 tensors but 2 decay factors/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, g]);
    // the addon checks its own arguments: no memory is touched that was not given
    const native = loadNative()!;
    const buf = () => new Float32Array(4);
    const scalars = new Float32Array(8);
    expect(() => native.adamwUpdate([buf(), buf()], Float64Array.of(4), Float32Array.of(1), scalars)).toThrow(/7 Float32Arrays per tensor/);
    expect(() => native.adamwUpdate(Array.from({ length: 7 }, buf), Float64Array.of(5), Float32Array.of(1), scalars)).toThrow(/shorter than its shape/);
    expect(() => native.globalNorm([buf()], Float64Array.of(-1))).toThrow(/negative or non-integer/);
    expect(native.globalNorm([Float32Array.of(3, 4)], Float64Array.of(2))).toBe(5);
  });
});
