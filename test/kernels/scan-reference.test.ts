/**
 * The float64 reference scan: its backward against central finite differences of its
 * forward, and the padding semantics of the declaration, on plain arrays (no backend).
 */
import { describe, expect, it } from "vitest";
import {
  selectiveScanReference,
  selectiveScanReferenceBackward,
  type ReferenceScanArgs,
} from "../../src/kernels/selective-scan/reference.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { FLOAT_INPUTS, makeCase, type CaseOptions, type FloatInput, type ScanCase } from "./scan-cases.ts";

/** The case as float64 reference arguments, with `override` replacing one input. */
function refArgs(c: ScanCase, override?: { name: FloatInput; values: Float64Array }): ReferenceScanArgs {
  const x: Record<string, ArrayLike<number> | undefined> = {};
  for (const k of FLOAT_INPUTS) x[k] = c.x[k] ? Float64Array.from(c.x[k]!) : undefined;
  if (override) x[override.name] = override.values;
  return {
    u: x.u!,
    delta: x.delta!,
    A: x.A!,
    B: x.B!,
    C: x.C!,
    D: x.D!,
    z: x.z,
    deltaBias: x.deltaBias,
    h0: x.h0,
    lengths: c.lengths,
    dims: c.dims,
    deltaSoftplus: c.deltaSoftplus,
  };
}

/** L = Σ y·dy + Σ lastState·dLastState. */
function loss(c: ScanCase, args: ReferenceScanArgs): number {
  const { y, lastState } = selectiveScanReference(args);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * c.dy[i]!;
  for (let i = 0; i < lastState.length; i++) s += lastState[i]! * c.dLastState[i]!;
  return s;
}

const CASES: { name: string; dims: ScanCase["dims"]; opts: CaseOptions }[] = [
  { name: "all inputs, padded rows", dims: { b: 2, l: 5, d: 2, n: 3 }, opts: { z: true, deltaBias: true, h0: true, lengths: [5, 3], seed: 31 } },
  { name: "no softplus, l = 1", dims: { b: 2, l: 1, d: 3, n: 2 }, opts: { z: true, h0: true, deltaSoftplus: false, seed: 32 } },
  { name: "plain", dims: { b: 1, l: 7, d: 2, n: 4 }, opts: { seed: 33 } },
];

describe("reference selective scan", () => {
  it.each(CASES)("backward equals central finite differences ($name)", ({ dims, opts }) => {
    const c = makeCase(dims, opts);
    const grads = selectiveScanReferenceBackward({ ...refArgs(c), dy: c.dy, dLastState: c.dLastState });
    const eps = 1e-6;
    for (const name of FLOAT_INPUTS) {
      const base = c.x[name];
      if (!base) {
        expect(grads[name], `no gradient for absent ${name}`).toBeUndefined();
        continue;
      }
      const fd = new Float64Array(base.length);
      for (let k = 0; k < base.length; k++) {
        const plus = Float64Array.from(base);
        const minus = Float64Array.from(base);
        plus[k] = plus[k]! + eps;
        minus[k] = minus[k]! - eps;
        fd[k] = (loss(c, refArgs(c, { name, values: plus })) - loss(c, refArgs(c, { name, values: minus }))) / (2 * eps);
      }
      assertAllclose(grads[name]!, fd, { atol: 1e-8, rtol: 1e-6, name: `d${name} vs finite differences` });
    }
  });

  it("padding: y = 0 past each length, lastState = state at the last valid step", () => {
    const c = makeCase({ b: 2, l: 6, d: 2, n: 2 }, { h0: true, lengths: [6, 2], seed: 34 });
    const full = selectiveScanReference(refArgs(c));
    const { l, d, n } = c.dims;
    for (let t = 2; t < l; t++) for (let k = 0; k < d; k++) expect(full.y[(l + t) * d + k]).toBe(0);
    // lastState of row 1 equals the state of an unpadded run over its first 2 steps.
    const short = refArgs({ ...c, lengths: Int32Array.from([2, 2]) });
    const s = selectiveScanReference(short);
    assertAllclose(full.lastState.subarray(d * n), s.lastState.subarray(d * n), { atol: 0, rtol: 0, name: "padded lastState" });
  });
});
