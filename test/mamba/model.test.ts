import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { resolveMambaConfig } from "../../src/lib/mamba/config.ts";
import { initMambaParams } from "../../src/lib/mamba/params.ts";
import {
  TokenRangeError,
  disposeMambaCache,
  emptyMambaCache,
  mambaGreedy,
  mambaHidden,
  mambaLogits,
  mambaStep,
} from "../../src/lib/mamba/model.ts";
import { assertAllclose } from "../helpers/allclose.ts";

const cfg = resolveMambaConfig({ dModel: 16, nLayer: 2, vocabSize: 23, dState: 4, dConv: 4 });
const TOL = { atol: 2e-5, rtol: 2e-4 };

describe.each(["wasm", "cpu"] as const)("Mamba LM on %s", (backend) => {
  let params: Record<string, tf.Variable>;
  beforeAll(async () => {
    await initBackend({ backend });
    params = initMambaParams(cfg, 3);
    // Larger Δ and B/C so the state matters: scale x_proj up from its small init.
    for (const [n, v] of Object.entries(params)) if (n.endsWith("x_proj.weight")) v.assign(v.mul(4));
  });

  const seq = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];

  it("recurrent single-token steps give the whole-sequence logits", () => {
    const ids = tf.tensor2d([seq], [1, seq.length], "int32");
    const full = mambaLogits(params, cfg, ids); // [1, l, v]
    let cache = emptyMambaCache(cfg, 1);
    for (let t = 0; t < seq.length; t++) {
      const tok = tf.tensor1d([seq[t]!], "int32");
      const { logits, cache: next } = mambaStep(params, cfg, tok, cache);
      disposeMambaCache(cache);
      cache = next;
      const expected = full.slice([0, t, 0], [1, 1, cfg.vocabSize]).reshape([1, cfg.vocabSize]);
      assertAllclose(logits, expected, { ...TOL, name: `logits at step ${t}` });
      tf.dispose([tok, logits, expected]);
    }
    disposeMambaCache(cache);
    tf.dispose([ids, full]);
  });

  it("a prompt processed in two chunks continues exactly (conv and SSM state carried)", () => {
    const ids = tf.tensor2d([seq], [1, seq.length], "int32");
    const full = mambaLogits(params, cfg, ids);
    const first = tf.tensor2d([seq.slice(0, 6)], [1, 6], "int32");
    const rest = tf.tensor2d([seq.slice(6)], [1, seq.length - 6], "int32");
    const a = mambaHidden(params, cfg, first, { returnCache: true });
    const b = mambaHidden(params, cfg, rest, { cache: a.cache!, returnCache: true });
    const fullHidden = mambaHidden(params, cfg, ids).hidden;
    assertAllclose(b.hidden, fullHidden.slice([0, 6, 0], [1, seq.length - 6, cfg.dModel]), { ...TOL, name: "hidden after chunk" });
    disposeMambaCache(a.cache!);
    disposeMambaCache(b.cache!);
    tf.dispose([ids, full, first, rest, a.hidden, b.hidden, fullHidden]);
  });

  it("right-padded rows match their unpadded forward, and their cache is the state at the last valid token", () => {
    const short = [7, 2, 9, 4];
    const padded = tf.tensor2d([seq, [...short, ...new Array(seq.length - short.length).fill(0)]], [2, seq.length], "int32");
    const lengths = tf.tensor1d([seq.length, short.length], "int32");
    const batch = mambaHidden(params, cfg, padded, { lengths, returnCache: true });
    const alone = mambaHidden(params, cfg, tf.tensor2d([short], [1, short.length], "int32"), { returnCache: true });
    const row = batch.hidden.slice([1, 0, 0], [1, short.length, cfg.dModel]);
    assertAllclose(row, alone.hidden, { ...TOL, name: "padded row hidden" });
    for (let i = 0; i < cfg.nLayer; i++) {
      const bc = batch.cache![i]!;
      const ac = alone.cache![i]!;
      assertAllclose(bc.ssm.slice([1, 0, 0], [1, cfg.dInner, cfg.dState]), ac.ssm, { ...TOL, name: `ssm state layer ${i}` });
      assertAllclose(bc.conv.slice([1, 0, 0], [1, cfg.dConv - 1, cfg.dInner]), ac.conv, { ...TOL, name: `conv state layer ${i}` });
    }
    disposeMambaCache(batch.cache!);
    disposeMambaCache(alone.cache!);
    tf.dispose([padded, lengths, batch.hidden, alone.hidden, row]);
  });

  it("greedy generation by steps equals argmax of full recomputation", () => {
    const out = mambaGreedy(params, cfg, seq.slice(0, 4), 5);
    const ids = [...seq.slice(0, 4)];
    for (let i = 0; i < 5; i++) {
      const t = tf.tensor2d([ids], [1, ids.length], "int32");
      const logits = mambaLogits(params, cfg, t);
      const next = tf.tidy(() => logits.slice([0, ids.length - 1, 0], [1, 1, cfg.vocabSize]).argMax(-1).dataSync()[0]!);
      tf.dispose([t, logits]);
      ids.push(next);
    }
    expect(out).toEqual(ids.slice(4));
  });

  it("rejects out-of-range and non-integer token ids by name", () => {
    const bad = tf.tensor2d([[1, 23]], [1, 2], "int32");
    expect(() => mambaLogits(params, cfg, bad)).toThrow(TokenRangeError);
    expect(() => mambaLogits(params, cfg, bad)).toThrow(/token id 23 at flat position 1 is outside the vocabulary \[0, 23\)/);
    const neg = tf.tensor2d([[-1]], [1, 1], "int32");
    expect(() => mambaLogits(params, cfg, neg)).toThrow(/token id -1/);
    const float = tf.tensor2d([[1]], [1, 1], "float32");
    expect(() => mambaLogits(params, cfg, float as tf.Tensor2D)).toThrow(/int32/);
    tf.dispose([bad, neg, float]);
  });

  it("leaves no tensors behind after a forward, a step with cache, and a gradient", () => {
    const ids = tf.tensor2d([seq], [1, seq.length], "int32");
    const before = tf.memory().numTensors;
    tf.dispose(mambaLogits(params, cfg, ids));
    const cache = emptyMambaCache(cfg, 1);
    const tok = tf.tensor1d([2], "int32");
    const r = mambaStep(params, cfg, tok, cache);
    tf.dispose([r.logits, tok]);
    disposeMambaCache(r.cache);
    disposeMambaCache(cache);
    const { value, grads } = tf.variableGrads(() => mambaLogits(params, cfg, ids).square().mean() as tf.Scalar, Object.values(params));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    ids.dispose();
  });
});
