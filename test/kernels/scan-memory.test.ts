/** Tensor memory: a forward pass and a gradient computation leave no tensors behind. */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/lib/backend.ts";
import { kernelVariants } from "../helpers/kernel-sets.ts";
import { selectiveScan } from "../../src/kernels/selective-scan/index.ts";
import type { ScanImpl } from "../../src/kernels/selective-scan/declaration.ts";
import { caseTensors, inputShape, makeCase, presentInputs, scanArgs } from "./scan-cases.ts";

describe.each(kernelVariants(["wasm", "cpu"] as const))("selective scan tensor memory on %s, %s kernels", (backend, kernels) => {
  beforeAll(async () => {
    await initBackend({ backend, native: kernels === "native" });
  });

  const impls: ScanImpl[] = ["fused", "composed", "reference"];
  it.each(impls)("%s: forward leaves nothing behind, with and without optional inputs", (impl) => {
    for (const full of [false, true]) {
      const c = makeCase({ b: 2, l: 9, d: 3, n: 4 }, full ? { z: true, deltaBias: true, h0: true, lengths: [9, 4] } : {});
      const t = caseTensors(c);
      const lengths = c.lengths ? tf.tensor1d(c.lengths, "int32") : undefined;
      const before = tf.memory().numTensors;
      const out = selectiveScan({ ...scanArgs(c, t, lengths), impl, returnLastState: true, chunkSize: 4 });
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose([out.y, out.lastState!]);
      const y = selectiveScan({ ...scanArgs(c, t, lengths), impl }).y;
      expect(tf.memory().numTensors).toBe(before + 1);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...Object.values(t), ...(lengths ? [lengths] : [])]);
    }
  });

  it.each(["fused", "composed"] as ScanImpl[])("%s: tf.grads leaves only the gradients behind", (impl) => {
    const c = makeCase({ b: 2, l: 9, d: 3, n: 4 }, { z: true, deltaBias: true, h0: true, lengths: [9, 4] });
    const t = caseTensors(c);
    const lengths = tf.tensor1d(c.lengths!, "int32");
    const dyT = tf.tensor(c.dy, inputShape("u", c.dims));
    const names = presentInputs(c);
    const before = tf.memory().numTensors;
    for (const which of [names, ["u", "A"] as const]) {
      // All inputs, then only some (the fused kernel computes every gradient; unused ones must be freed).
      const f = (...xs: tf.Tensor[]) => {
        const named: Record<string, tf.Tensor> = { ...t };
        which.forEach((k, i) => (named[k] = xs[i]!));
        const out = selectiveScan({ ...scanArgs(c, named, lengths), impl, returnLastState: true });
        return tf.add(tf.sum(tf.mul(out.y, dyT)), tf.sum(out.lastState!));
      };
      const grads = tf.grads(f)(which.map((k) => t[k]!));
      expect(grads.length).toBe(which.length);
      expect(tf.memory().numTensors).toBe(before + which.length);
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([...Object.values(t), lengths, dyT]);
  });
});
