/**
 * Fused selective scan (registered kernels, cpu and wasm) against the float64 reference:
 * forward, lastState and the gradients of every input, through the public op.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/lib/backend.ts";
import { fusedScanAvailable, selectiveScan } from "../../src/kernels/selective-scan/index.ts";
import { registerScanKernels } from "../../src/kernels/selective-scan/register.ts";
import { nativeKernelsActive, registerNativeKernels } from "../../src/kernels/native/register.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { makeCase, presentInputs, sliceRow, sliceSteps, referenceBackward, referenceForward, runImpl, scaledAtol, type CaseOptions } from "./scan-cases.ts";
import type { ScanDims } from "../../src/kernels/selective-scan/reference.ts";

const BACKENDS = ["wasm", "cpu"] as const;
const RTOL = 1e-4;
const ATOL = 1e-5;

interface Shape extends CaseOptions {
  dims: ScanDims;
  chunkSize?: number;
}

const SHAPES: Shape[] = [
  { dims: { b: 1, l: 1, d: 1, n: 1 } },
  { dims: { b: 2, l: 1, d: 4, n: 3 }, z: true, h0: true, deltaBias: true },
  { dims: { b: 3, l: 37, d: 5, n: 3 }, chunkSize: 8, seed: 3 },
  { dims: { b: 3, l: 37, d: 5, n: 3 }, chunkSize: 5, z: true, deltaBias: true, h0: true, lengths: "random", seed: 4 },
  { dims: { b: 2, l: 64, d: 8, n: 16 }, chunkSize: 64, z: true, deltaBias: true, seed: 5 },
  { dims: { b: 2, l: 50, d: 3, n: 2 }, chunkSize: 1, h0: true, lengths: [50, 0], seed: 6 },
  { dims: { b: 2, l: 9, d: 3, n: 2 }, deltaSoftplus: false, z: true, h0: true, seed: 7 },
];

function label(s: Shape): string {
  const { b, l, d, n } = s.dims;
  const extras = [s.z && "z", s.deltaBias && "bias", s.h0 && "h0", s.lengths && "lengths", s.deltaSoftplus === false && "no-softplus"];
  return `b=${b} l=${l} d=${d} n=${n} chunk=${s.chunkSize ?? 64} ${extras.filter(Boolean).join(" ")}`;
}

describe.each(kernelVariants(BACKENDS))("fused selective scan on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  it("is registered (and registering again is harmless)", () => {
    if (kernels === "native") {
      registerNativeKernels();
      registerNativeKernels();
    } else {
      registerScanKernels();
      registerScanKernels();
    }
    expect(nativeKernelsActive(backend)).toBe(kernels === "native");
    expect(fusedScanAvailable(backend)).toBe(true);
    expect(fusedScanAvailable()).toBe(true);
  });

  it.each(SHAPES)("forward and gradients match the reference: $dims.b×$dims.l×$dims.d×$dims.n", (shape) => {
    const c = makeCase(shape.dims, shape);
    const ref = referenceForward(c);
    const refGrads = referenceBackward(c);
    const run = runImpl(c, "fused", { grads: true, ...(shape.chunkSize ? { chunkSize: shape.chunkSize } : {}) });
    const where = `${backend} ${kernels} ${label(shape)}`;
    assertAllclose(run.y, ref.y, { atol: ATOL, rtol: RTOL, name: `${where} y`, shape: [c.dims.b, c.dims.l, c.dims.d] });
    assertAllclose(run.lastState, ref.lastState, { atol: ATOL, rtol: RTOL, name: `${where} lastState` });
    for (const k of presentInputs(c)) {
      const r = refGrads[k]!;
      assertAllclose(run.grads![k]!, r, { atol: scaledAtol(r, ATOL), rtol: RTOL, name: `${where} d${k}` });
    }
  });

  it("matches the reference for l = 2048 with padded rows", () => {
    const c = makeCase({ b: 2, l: 2048, d: 2, n: 4 }, { z: true, deltaBias: true, h0: true, lengths: [2048, 1999], seed: 14 });
    const ref = referenceForward(c);
    const refGrads = referenceBackward(c);
    const run = runImpl(c, "fused", { grads: true, chunkSize: 100 });
    assertAllclose(run.y, ref.y, { atol: ATOL, rtol: RTOL, name: "long y", shape: [2, 2048, 2] });
    assertAllclose(run.lastState, ref.lastState, { atol: ATOL, rtol: RTOL, name: "long lastState" });
    for (const k of presentInputs(c)) {
      const r = refGrads[k]!;
      assertAllclose(run.grads![k]!, r, { atol: scaledAtol(r, 1e-4), rtol: 1e-3, name: `long d${k}` });
    }
  });

  it("gradients flow from y alone and from lastState alone", () => {
    const c = makeCase({ b: 2, l: 11, d: 3, n: 4 }, { h0: true, z: true, seed: 11 });
    // From y alone (lastState not returned).
    const onlyY = runImpl(c, "fused", { grads: true, withLast: false, chunkSize: 4 });
    const refY = referenceBackward(c, false);
    for (const k of presentInputs(c)) assertAllclose(onlyY.grads![k]!, refY[k]!, { atol: scaledAtol(refY[k]!, ATOL), rtol: RTOL, name: `d${k} (y only)` });
    // From lastState alone: dy = 0.
    const c0 = { ...c, dy: new Float32Array(c.dy.length) };
    const onlyLast = runImpl(c0, "fused", { grads: true, chunkSize: 4 });
    const refLast = referenceBackward(c0);
    for (const k of presentInputs(c0)) assertAllclose(onlyLast.grads![k]!, refLast[k]!, { atol: scaledAtol(refLast[k]!, ATOL), rtol: RTOL, name: `d${k} (lastState only)` });
  });

  it("padding: zero outputs past each length, lastState at the last valid step", () => {
    const c = makeCase({ b: 3, l: 12, d: 4, n: 3 }, { h0: true, lengths: [12, 5, 0], seed: 12 });
    const run = runImpl(c, "fused", { chunkSize: 4 });
    const { l, d, n } = c.dims;
    for (let t = 5; t < l; t++) for (let k = 0; k < d; k++) expect(run.y[(1 * l + t) * d + k]).toBe(0);
    for (let t = 0; t < l; t++) for (let k = 0; k < d; k++) expect(run.y[(2 * l + t) * d + k]).toBe(0);
    // Row 2 has length 0: its last state is h0.
    assertAllclose(run.lastState.subarray(2 * d * n), c.x.h0!.subarray(2 * d * n), { atol: 0, rtol: 0, name: "lastState of an empty row" });
    // Row 1 equals an unpadded scan of its first 5 steps.
    const row1 = sliceRow(c, 1, 5);
    const r1 = runImpl(row1, "fused", { chunkSize: 4 });
    assertAllclose(run.lastState.subarray(d * n, 2 * d * n), r1.lastState, { atol: 1e-6, rtol: 1e-6, name: "lastState of a padded row" });
    assertAllclose(run.y.subarray(l * d, l * d + 5 * d), r1.y, { atol: 1e-6, rtol: 1e-6, name: "y of a padded row" });
  });

  it("chunked continuation: [0, l1) then [l1, l) from its lastState equals one scan", () => {
    const c = makeCase({ b: 2, l: 30, d: 4, n: 5 }, { z: true, deltaBias: true, h0: true, seed: 13 });
    const whole = runImpl(c, "fused", { chunkSize: 7 });
    const first = sliceSteps(c, 0, 13);
    const a = runImpl(first, "fused", { chunkSize: 7 });
    const second = sliceSteps(c, 13, 30);
    second.x.h0 = a.lastState;
    const b2 = runImpl(second, "fused", { chunkSize: 7 });
    const { b, d } = c.dims;
    const joined = new Float32Array(whole.y.length);
    for (let i = 0; i < b; i++) {
      joined.set(a.y.subarray(i * 13 * d, (i + 1) * 13 * d), i * 30 * d);
      joined.set(b2.y.subarray(i * 17 * d, (i + 1) * 17 * d), (i * 30 + 13) * d);
    }
    assertAllclose(joined, whole.y, { atol: 1e-6, rtol: 1e-5, name: "continued y", shape: [b, 30, d] });
    assertAllclose(b2.lastState, whole.lastState, { atol: 1e-6, rtol: 1e-5, name: "continued lastState" });
  });

  it("rejects bad shapes with a message naming the input", () => {
    const u = tf.zeros([2, 5, 3]);
    const A = tf.zeros([3, 16]);
    const D = tf.zeros([3]);
    const B = tf.zeros([2, 5, 8]);
    const good = tf.zeros([2, 5, 16]);
    expect(() => selectiveScan({ u, delta: u, A, B, C: good, D })).toThrow("selectiveScan: B must be [b, l, n] = [2, 5, 16], got [2, 5, 8]");
    expect(() => selectiveScan({ u, delta: u, A, B: good, C: good, D, h0: tf.zeros([2, 16, 3]) })).toThrow("h0 must be [b, d, n] = [2, 3, 16]");
    expect(() => selectiveScan({ u, delta: u, A, B: good, C: good, D, lengths: tf.tensor1d([1, 2], "float32") })).toThrow("lengths must be int32");
    expect(() => selectiveScan({ u, delta: u, A, B: good, C: good, D, chunkSize: 0 })).toThrow("chunkSize must be a positive integer");
    tf.dispose([u, A, D, B, good]);
  });
});
