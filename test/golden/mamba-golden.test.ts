/**
 * The TypeScript Mamba against the float64 PyTorch reference of `make_golden.py`: weights
 * loaded from the golden safetensors by the checkpoint loader, logits / hidden states /
 * per-layer states / gradients of sum(logits · W) compared tensor by tensor on every
 * backend and scan implementation, printing the worst element of each.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers op gradients only through the umbrella package, which we do not install.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { loadMambaCheckpoint, type LoadedMamba } from "../../src/lib/io/hf-mamba.ts";
import { numberToBf16Bits, bf16BitsToNumber } from "../../src/lib/io/safetensors-dtypes.ts";
import type { MambaConfig } from "../../src/lib/mamba/config.ts";
import { mambaHidden, mambaLogits } from "../../src/lib/mamba/model.ts";
import type { MambaParams } from "../../src/lib/mamba/params.ts";
import { assertAllClose, describeClose, type Tolerance } from "./allclose.ts";
import { goldenBytes, goldenTensor, readMambaGolden } from "./golden.ts";

const golden = readMambaGolden();
const g = (name: string) => goldenTensor(golden, name);

// float32 arithmetic against a float64 reference. The allowance is relative to each
// element plus a floor relative to the tensor's largest magnitude (gradients of very
// different scales sit side by side).
const FORWARD_TOL = { rtol: 2e-5, atolOfMax: 2e-6 };
const GRAD_TOL = { rtol: 1e-4, atolOfMax: 1e-5 };

function tolFor(ref: number[], t: { rtol: number; atolOfMax: number }): Tolerance {
  const max = ref.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return { rtol: t.rtol, atol: t.atolOfMax * max };
}

function check(label: string, actual: tf.Tensor, name: string, kind: "forward" | "grad" = "forward"): void {
  const ref = g(name);
  expect(actual.shape).toEqual(ref.shape);
  const tol = tolFor(ref.data, kind === "forward" ? FORWARD_TOL : GRAD_TOL);
  const r = assertAllClose(label, actual.dataSync(), ref.data, ref.shape, tol);
  console.log(describeClose(label, r, tol));
}

const BACKENDS = ["cpu", "wasm"] as const;
const SCANS = ["auto", "composed"] as const;

for (const backend of BACKENDS) {
  describe(`Mamba golden (${backend})`, () => {
    let model: LoadedMamba;
    let ids: tf.Tensor2D;
    beforeAll(async () => {
      await initBackend({ backend });
      model = loadMambaCheckpoint(goldenBytes("mamba-tiny.safetensors"));
      ids = tf.tensor2d(g("input_ids").data, g("input_ids").shape as [number, number], "int32");
    });
    afterAll(() => {
      tf.dispose(Object.values(model.params));
      ids.dispose();
    });

    it("infers the generator's config from the tensors", () => {
      for (const [k, v] of Object.entries(golden.config)) {
        expect(model.config[k as keyof MambaConfig], k).toBe(v);
      }
    });

    for (const scanImpl of SCANS) {
      it(`logits and final hidden states match (scan ${scanImpl})`, () => {
        const logits = mambaLogits(model.params, model.config, ids, { scanImpl });
        const { hidden } = mambaHidden(model.params, model.config, ids, { scanImpl });
        try {
          check(`${backend}/${scanImpl} logits`, logits, "logits");
          check(`${backend}/${scanImpl} hidden`, hidden, "hidden");
        } finally {
          tf.dispose([logits, hidden]);
        }
      });

      it(`gradients of sum(logits · W) match (scan ${scanImpl})`, () => {
        const names = Object.keys(golden.tensors)
          .filter((k) => k.startsWith("grad."))
          .map((k) => k.slice("grad.".length));
        const w = tf.tensor(g("loss_weights").data, g("loss_weights").shape);
        const lossOf = (...xs: tf.Tensor[]): tf.Scalar => {
          const p: Record<string, tf.Tensor> = { ...model.params };
          names.forEach((n, i) => (p[n] = xs[i]!));
          return tf.sum(tf.mul(mambaLogits(p, model.config, ids, { scanImpl }), w));
        };
        const { value, grads } = tf.valueAndGrads(lossOf)(names.map((n) => model.params[n]!));
        try {
          check(`${backend}/${scanImpl} loss`, value, "loss");
          names.forEach((n, i) => check(`${backend}/${scanImpl} d/d ${n}`, grads[i]!, `grad.${n}`, "grad"));
        } finally {
          tf.dispose([value, ...grads, w]);
        }
      });
    }

    it("states after each layer match (norm_f applied, as the reference stores them)", () => {
      for (let k = 1; k <= model.config.nLayer; k++) {
        const cfg: MambaConfig = { ...model.config, nLayer: k };
        const { hidden } = mambaHidden(model.params, cfg, ids);
        try {
          check(`${backend} after layer ${k}`, hidden, `hidden_after_layer.${k}`);
        } finally {
          hidden.dispose();
        }
      }
    });

    it("the bfloat16 checkpoint loads to the rounded weights and matches its own reference", () => {
      const bf = loadMambaCheckpoint(goldenBytes("mamba-tiny-bf16.safetensors"));
      try {
        expect(bf.config).toEqual(model.config);
        for (const [name, t] of Object.entries(model.params)) {
          const rounded = Array.from(t.dataSync(), (x) => bf16BitsToNumber(numberToBf16Bits(x)));
          expect(Array.from(bf.params[name]!.dataSync()), name).toEqual(rounded);
        }
        const logits = mambaLogits(bf.params, bf.config, ids);
        try {
          check(`${backend} bf16 logits`, logits, "logits_bf16");
        } finally {
          logits.dispose();
        }
      } finally {
        tf.dispose(Object.values(bf.params));
      }
    });

    it("load + forward + backward + dispose leaves no tensors behind", () => {
      const before = tf.memory().numTensors;
      const m = loadMambaCheckpoint(goldenBytes("mamba-tiny.safetensors"));
      const params: MambaParams = m.params;
      const logits = mambaLogits(params, m.config, ids);
      const grads = tf.grads((emb: tf.Tensor) =>
        tf.sum(mambaLogits({ ...params, "backbone.embeddings.weight": emb }, m.config, ids)),
      )([params["backbone.embeddings.weight"]!]);
      tf.dispose([logits, ...grads, ...Object.values(params)]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
