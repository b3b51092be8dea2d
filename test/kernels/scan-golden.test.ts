/**
 * Golden check: the reference, fused and composed scans against values written by an
 * independent PyTorch implementation (`golden/make_scan_golden.py`: mamba-minimal's
 * sequential loop in float64, gradients by autograd), tensor by tensor.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { selectiveScanReference, selectiveScanReferenceBackward } from "../../src/kernels/selective-scan/reference.ts";
import type { ScanImpl } from "../../src/kernels/selective-scan/declaration.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { FLOAT_INPUTS, presentInputs, runImpl, scaledAtol, type ScanCase } from "./scan-cases.ts";

interface Encoded {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  dims: ScanCase["dims"];
  deltaSoftplus: boolean;
  inputs: Record<string, Encoded>;
  dy: Encoded;
  dLastState: Encoded;
  outputs: { y: Encoded; lastState: Encoded };
  grads: Record<string, Encoded>;
}
interface GoldenFile {
  format: string;
  version: number;
  cases: GoldenCase[];
}

const golden = JSON.parse(readFileSync(new URL("./golden/scan_golden.json", import.meta.url), "utf8")) as GoldenFile;

function toCase(g: GoldenCase): ScanCase {
  const x: ScanCase["x"] = {};
  for (const k of FLOAT_INPUTS) if (g.inputs[k]) x[k] = Float32Array.from(g.inputs[k]!.data);
  return {
    dims: g.dims,
    deltaSoftplus: g.deltaSoftplus,
    x,
    ...(g.inputs["lengths"] ? { lengths: Int32Array.from(g.inputs["lengths"].data) } : {}),
    dy: Float32Array.from(g.dy.data),
    dLastState: Float32Array.from(g.dLastState.data),
  };
}

describe("selective scan golden file", () => {
  it("has the expected format and version", () => {
    expect(golden.format).toBe("meteor-selective-scan-golden");
    expect(golden.version).toBe(1);
    expect(golden.cases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(golden.cases)("reference matches PyTorch float64: $name", (g) => {
    // Golden inputs are float32 values written as float64, so the reference sees them exactly.
    const inputs: Record<string, number[] | undefined> = {};
    for (const k of [...FLOAT_INPUTS, "lengths"]) inputs[k] = g.inputs[k]?.data;
    const args = {
      u: inputs.u!, delta: inputs.delta!, A: inputs.A!, B: inputs.B!, C: inputs.C!, D: inputs.D!,
      z: inputs.z, deltaBias: inputs.deltaBias, h0: inputs.h0, lengths: inputs.lengths,
      dims: g.dims, deltaSoftplus: g.deltaSoftplus,
    };
    const out = selectiveScanReference(args);
    assertAllclose(out.y, g.outputs.y.data, { atol: 1e-12, rtol: 1e-10, shape: g.outputs.y.shape, name: `${g.name} y` });
    assertAllclose(out.lastState, g.outputs.lastState.data, { atol: 1e-12, rtol: 1e-10, shape: g.outputs.lastState.shape, name: `${g.name} lastState` });
    const grads = selectiveScanReferenceBackward({ ...args, dy: g.dy.data, dLastState: g.dLastState.data });
    for (const k of Object.keys(g.grads)) {
      const gk = g.grads[k]!;
      assertAllclose(grads[k as keyof typeof grads]!, gk.data, { atol: 1e-12, rtol: 1e-10, shape: gk.shape, name: `${g.name} d${k}` });
    }
  });

  describe.each(["wasm", "cpu"] as const)("on %s", (backend) => {
    beforeAll(async () => {
      await initBackend({ backend });
    });
    it.each(golden.cases.flatMap((g) => (["fused", "composed"] as ScanImpl[]).map((impl) => ({ g, impl, name: `${impl} ${g.name}` }))))(
      "$name matches PyTorch",
      ({ g, impl }) => {
        const c = toCase(g);
        const run = runImpl(c, impl, { grads: true, chunkSize: 3 });
        const tol = { atol: 1e-5, rtol: 1e-4 };
        assertAllclose(run.y, g.outputs.y.data, { ...tol, shape: g.outputs.y.shape, name: `${backend} ${impl} ${g.name} y` });
        assertAllclose(run.lastState, g.outputs.lastState.data, { ...tol, shape: g.outputs.lastState.shape, name: `${backend} ${impl} ${g.name} lastState` });
        for (const k of presentInputs(c)) {
          const gk = g.grads[k]!;
          assertAllclose(run.grads![k]!, gk.data, { atol: scaledAtol(gk.data, 1e-5), rtol: 1e-4, shape: gk.shape, name: `${backend} ${impl} ${g.name} d${k}` });
        }
      },
    );
  });
});
