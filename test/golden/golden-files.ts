/**
 * Golden files in the `meteor-golden` format other than the Mamba one (`make_mlm_golden.py`
 * writes mlm-tiny.* and vision-tiny.*): reading a JSON document, refusing unknown format
 * versions, loading its safetensors weights as tensors, and comparing a tensor with the
 * reference while printing the worst element.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { parseSafetensors } from "../../src/lib/io/safetensors.ts";
import { assertAllClose, describeClose, type Tolerance } from "./allclose.ts";
import { GOLDEN_FORMAT, GOLDEN_VERSION, goldenBytes, goldenPath, type GoldenTensor, type MambaGolden } from "./golden.ts";

/** Same layout as the Mamba document (format, version, generator, torch, seed, config, tensors). */
export type GoldenDoc = MambaGolden;

export interface Golden {
  readonly file: string;
  readonly doc: GoldenDoc;
  /** A reference tensor by name; throws naming the file when absent. */
  tensor(name: string): GoldenTensor;
  /** Names of the reference tensors starting with `prefix`, the prefix removed. */
  namesUnder(prefix: string): string[];
}

export function readGolden(file: string, generator: string): Golden {
  const doc = JSON.parse(readFileSync(goldenPath(file), "utf8")) as GoldenDoc;
  if (doc.format !== GOLDEN_FORMAT || doc.version !== GOLDEN_VERSION) {
    throw new Error(
      `${file} is ${doc.format} v${doc.version}; this test reads ${GOLDEN_FORMAT} v${GOLDEN_VERSION}. ` +
        `Regenerate with /usr/bin/python3 test/golden/${generator} or update the test.`,
    );
  }
  return {
    file,
    doc,
    tensor(name) {
      const t = doc.tensors[name];
      if (!t) throw new Error(`${file} has no tensor "${name}"`);
      return t;
    },
    namesUnder(prefix) {
      return Object.keys(doc.tensors)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    },
  };
}

/** A golden tensor uploaded as float32 (or int32). */
export const goldenTf = (t: GoldenTensor, dtype: "float32" | "int32" = "float32"): tf.Tensor =>
  tf.tensor(t.data, t.shape, dtype);

/** Every tensor of a golden safetensors file, as float32 tensors by name (caller disposes). */
export function loadGoldenWeights(file: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of parseSafetensors(goldenBytes(file)).tensors) {
    expect(t.dtype, name).toBe("F32");
    out[name] = tf.tensor(t.data, [...t.shape], "float32");
  }
  return out;
}

/**
 * float32 arithmetic against a float64 reference: an allowance relative to each element plus
 * a floor relative to the tensor's largest magnitude (elements of very different sizes sit
 * side by side, and gradients accumulate more rounding than forward values).
 */
export const FORWARD_TOL = { rtol: 2e-5, atolOfMax: 2e-6 };
export const GRAD_TOL = { rtol: 1e-4, atolOfMax: 1e-5 };

export function tolFor(ref: readonly number[], t: { rtol: number; atolOfMax: number }): Tolerance {
  const max = ref.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return { rtol: t.rtol, atol: t.atolOfMax * max };
}

/** Asserts shape and closeness to the reference, and prints the worst element either way. */
export function checkGolden(label: string, actual: tf.Tensor, ref: GoldenTensor, kind: "forward" | "grad" = "forward"): void {
  expect(actual.shape, label).toEqual(ref.shape);
  const tol = tolFor(ref.data, kind === "forward" ? FORWARD_TOL : GRAD_TOL);
  const r = assertAllClose(label, actual.dataSync(), ref.data, ref.shape, tol);
  console.log(describeClose(label, r, tol));
}
