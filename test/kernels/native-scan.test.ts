/**
 * The native scan (`c/scan.c`) called directly against the float64 reference, on shapes the
 * tfjs-level tests (scan-fused.test.ts, d ≤ 8) do not reach: channels in several 16-wide tiles
 * plus a partial one, the study model's small state (n = 8), and scans above the parallel
 * threshold: with rows enough for both threads (rows are the work items: the result does not
 * depend on the thread count) and with one row (its tiles split in two ranges, each adding into
 * its own copy of ∂B and ∂C).
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadNative } from "../../src/kernels/native/load.ts";
import type { ScanDims } from "../../src/kernels/selective-scan/reference.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { KERNEL_SETS } from "../helpers/kernel-sets.ts";
import { makeCase, referenceBackward, referenceForward, scaledAtol, type CaseOptions } from "./scan-cases.ts";

const native = loadNative();
const RTOL = 1e-4;
const ATOL = 1e-5;
const GRAD_NAMES = ["u", "delta", "A", "B", "C", "D", "z", "deltaBias", "h0"] as const;

/** Forward and backward (dy and dLastState given) through the addon on `threads` threads. */
function runNative(dims: ScanDims, opts: CaseOptions, threads: number, chunk: number) {
  const c = makeCase(dims, opts);
  const { b, l, d, n } = dims;
  const x = c.x;
  native!.setThreads(threads);
  const y = new Float32Array(b * l * d); // [b, l, d]
  const last = new Float32Array(b * d * n); // [b, d, n]
  const ckpt = new Float32Array(b * Math.ceil(l / chunk) * d * n); // [b, nChunks, d, n]
  const softplus = c.deltaSoftplus ? 1 : 0;
  const ins = [x.u!, x.delta!, x.A!, x.B!, x.C!, x.D!, x.z ?? null, x.deltaBias ?? null, x.h0 ?? null, c.lengths ?? null] as const;
  native!.scanForward(...ins, b, l, d, n, chunk, softplus, y, last, ckpt);
  const sizes = [b * l * d, b * l * d, d * n, b * l * n, b * l * n, d, b * l * d, d, b * d * n]; // shapes of u, delta, A, B, C, D, z, deltaBias, h0
  const g = GRAD_NAMES.map((k, i) => (x[k] ? new Float32Array(sizes[i]!) : null));
  native!.scanBackward(...ins, b, l, d, n, chunk, softplus, ckpt, c.dy, c.dLastState, g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, g[5]!, g[6], g[7], g[8]);
  return { c, y, last, g };
}

describe.runIf(KERNEL_SETS.includes("native"))("native scan on channel tiles", () => {
  const threads = native?.info().threads ?? 1;
  afterAll(() => native?.setThreads(threads));

  const cases: { name: string; dims: ScanDims; opts: CaseOptions; chunk: number }[] = [
    { name: "study shape: 2 tiles + 5 channels, n = 8, padded rows", dims: { b: 3, l: 45, d: 37, n: 8 }, opts: { z: true, deltaBias: true, h0: true, lengths: "random", seed: 21 }, chunk: 16 },
    { name: "no softplus, no gate, n = 3", dims: { b: 2, l: 20, d: 17, n: 3 }, opts: { deltaSoftplus: false, seed: 22 }, chunk: 64 },
    { name: "above the parallel threshold: 3 rows over 2 threads", dims: { b: 3, l: 300, d: 136, n: 16 }, opts: { z: true, deltaBias: true, h0: true, lengths: [300, 211, 300], seed: 23 }, chunk: 64 },
    { name: "above the parallel threshold: 1 row, its 9 tiles over 2 threads", dims: { b: 1, l: 600, d: 136, n: 16 }, opts: { z: true, deltaBias: true, seed: 24 }, chunk: 64 },
  ];

  it.each(cases)("$name: forward and gradients match the reference on 1 and 2 threads", ({ dims, opts, chunk }) => {
    const one = runNative(dims, opts, 1, chunk);
    const two = runNative(dims, opts, 2, chunk);
    const ref = referenceForward(one.c);
    const grads = referenceBackward(one.c);
    for (const run of [one, two]) {
      assertAllclose(run.y, ref.y, { atol: ATOL, rtol: RTOL, name: "y", shape: [dims.b, dims.l, dims.d] });
      assertAllclose(run.last, ref.lastState, { atol: ATOL, rtol: RTOL, name: "lastState" });
      GRAD_NAMES.forEach((k, i) => {
        const r = grads[k];
        if (!run.g[i] || !r) return;
        assertAllclose(run.g[i]!, r, { atol: scaledAtol(r, ATOL), rtol: RTOL, name: `d${k}` });
      });
    }
    expect(Array.from(two.y)).toEqual(Array.from(one.y)); // the forward does not depend on the thread count
    if (dims.b >= 2) two.g.forEach((g, i) => expect(g && Array.from(g)).toEqual(one.g[i] && Array.from(one.g[i]!))); // nor, with a row per thread, the backward
  });
});
