/**
 * The TypeScript MLM (InternLM2-style decoder) against the float64 PyTorch reference of
 * `test/golden/make_mlm_golden.py`: weights from the golden safetensors by InternLM2's
 * names; logits, final hidden states, the KV-cache continuation and gradients of
 * sum(logits · W) compared tensor by tensor on cpu and wasm, printing the worst element.
 * Then properties that need no reference: causality, grouped-query attention equal to the
 * same model re-packed as plain multi-head attention, a head without the last two ids, and
 * no leaked tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { resolveMlmConfig, type MlmConfig, type MlmConfigInput } from "../../src/lib/mlm/config.ts";
import { disposeKvCache, mlmBackbone, mlmEmbed, mlmHead, type KvCache } from "../../src/lib/mlm/model.ts";
import { mlmLayerPrefix, mlmParamShapes, type MlmParams } from "../../src/lib/mlm/params.ts";
import { assertAllClose, describeClose } from "../golden/allclose.ts";
import { checkGolden, goldenTf, loadGoldenWeights, readGolden } from "../golden/golden-files.ts";

const golden = readGolden("mlm-tiny.json", "make_mlm_golden.py");
const ref = golden.tensor;
const cfg: MlmConfig = resolveMlmConfig(golden.doc.config as unknown as MlmConfigInput);

/** ids → logits [b, l, outputVocab] (no cache). */
function logitsOf(params: MlmParams, c: MlmConfig, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => mlmHead(params, mlmBackbone(params, c, mlmEmbed(params, c, ids)).hidden));
}

/** ids → logits, extending `cache` (the old cache is left to the caller). */
function step(params: MlmParams, ids: tf.Tensor2D, cache?: KvCache): { logits: tf.Tensor3D; cache: KvCache } {
  const x = mlmEmbed(params, cfg, ids);
  const out = mlmBackbone(params, cfg, x, { ...(cache ? { cache } : {}), returnCache: true });
  const logits = mlmHead(params, out.hidden);
  tf.dispose([x, out.hidden]);
  return { logits, cache: out.cache! };
}

/**
 * The same weights for `nKvHead = nHead`: query head i = kv·g + j reads kv head i // g, so
 * plain multi-head attention gets rows (q_i, k_{i//g}, v_{i//g}) per head.
 */
function repackAsMultiHead(params: MlmParams): MlmParams {
  const { nHead, nKvHead, headDim: hd, dModel: d } = cfg;
  const g = nHead / nKvHead;
  const out: Record<string, tf.Tensor> = { ...params };
  for (let l = 0; l < cfg.nLayer; l++) {
    const name = `${mlmLayerPrefix(l)}.attention.wqkv.weight`;
    const src = params[name]!.dataSync();
    const dst = new Float32Array(3 * nHead * hd * d);
    const copyBlock = (fromBlock: number, toBlock: number) =>
      dst.set(src.subarray(fromBlock * hd * d, (fromBlock + 1) * hd * d), toBlock * hd * d);
    for (let i = 0; i < nHead; i++) {
      const kv = Math.floor(i / g);
      copyBlock(kv * (g + 2) + (i % g), 3 * i); // q_i
      copyBlock(kv * (g + 2) + g, 3 * i + 1); // k of its group
      copyBlock(kv * (g + 2) + g + 1, 3 * i + 2); // v of its group
    }
    out[name] = tf.tensor2d(dst, [3 * nHead * hd, d]);
  }
  return out;
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`MLM golden (${backend})`, () => {
    let params: Record<string, tf.Tensor>;
    let ids: tf.Tensor2D;
    let more: tf.Tensor2D;
    beforeAll(async () => {
      await initBackend({ backend });
      params = loadGoldenWeights("mlm-tiny.safetensors");
      ids = goldenTf(ref("input_ids"), "int32") as tf.Tensor2D;
      more = goldenTf(ref("continuation_ids"), "int32") as tf.Tensor2D;
    });
    afterAll(() => tf.dispose([...Object.values(params), ids, more]));

    it("the file holds exactly the library's parameter names and shapes", () => {
      const expected = Object.fromEntries(mlmParamShapes(cfg));
      const actual = Object.fromEntries(Object.entries(params).map(([n, t]) => [n, t.shape]));
      expect(actual).toEqual(expected);
    });

    it("logits and final hidden states match", () => {
      const x = mlmEmbed(params, cfg, ids);
      const { hidden } = mlmBackbone(params, cfg, x);
      const logits = mlmHead(params, hidden);
      try {
        checkGolden(`${backend} hidden`, hidden, ref("hidden"));
        checkGolden(`${backend} logits`, logits, ref("logits"));
      } finally {
        tf.dispose([x, hidden, logits]);
      }
    });

    it("a KV-cache continuation of 3 tokens after 9 matches positions 9..11 of the full sequence", () => {
      const first = step(params, ids);
      const second = step(params, more, first.cache);
      try {
        checkGolden(`${backend} cached first call`, first.logits, ref("logits"));
        checkGolden(`${backend} continuation`, second.logits, ref("logits_continued"));
        expect(second.cache[0]!.k.shape).toEqual([2, cfg.nKvHead, 12, cfg.headDim]);
      } finally {
        tf.dispose([first.logits, second.logits]);
        disposeKvCache(first.cache);
        disposeKvCache(second.cache);
      }
    });

    it("token-by-token decoding from the cache matches too", () => {
      let { logits, cache } = step(params, ids);
      const rows: tf.Tensor3D[] = [];
      logits.dispose();
      for (let t = 0; t < more.shape[1]; t++) {
        const tok = more.slice([0, t], [more.shape[0], 1]);
        const next = step(params, tok, cache);
        tf.dispose(tok);
        disposeKvCache(cache);
        rows.push(next.logits);
        cache = next.cache;
      }
      const all = tf.concat(rows, 1);
      try {
        checkGolden(`${backend} one token at a time`, all, ref("logits_continued"));
      } finally {
        tf.dispose([all, ...rows]);
        disposeKvCache(cache);
      }
    });

    it("gradients of sum(logits · W) match (tf.variableGrads)", () => {
      const names = golden.namesUnder("grad.");
      const w = goldenTf(ref("loss_weights"));
      const vars = names.map((n) => tf.variable(params[n]!, true));
      const p: MlmParams = { ...params, ...Object.fromEntries(names.map((n, i) => [n, vars[i]!])) };
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(logitsOf(p, cfg, ids), w)), vars);
      try {
        checkGolden(`${backend} loss`, value, ref("loss"));
        names.forEach((n, i) => checkGolden(`${backend} d/d ${n}`, grads[vars[i]!.name]!, ref(`grad.${n}`), "grad"));
      } finally {
        tf.dispose([value, w, ...vars, ...Object.values(grads)]);
      }
    });

    it("is causal: changing a later token leaves earlier logits unchanged", () => {
      // batch 0 changes at position 6, batch 1 at position 3
      const changed = ids.arraySync().map((row, b) => row.map((id, t) => (t === (b === 0 ? 6 : 3) ? (id + 7) % cfg.vocabSize : id)));
      const ids2 = tf.tensor2d(changed, ids.shape, "int32");
      const [a, c] = [logitsOf(params, cfg, ids), logitsOf(params, cfg, ids2)];
      try {
        const [va, vc] = [a.arraySync(), c.arraySync()];
        for (let b = 0; b < 2; b++) {
          const cut = b === 0 ? 6 : 3;
          const before = (v: number[][][]) => v[b]!.slice(0, cut).flat();
          const after = (v: number[][][]) => v[b]!.slice(cut).flat();
          const r = assertAllClose(`batch ${b} before ${cut}`, before(vc), before(va), [cut, cfg.outputVocab], { atol: 1e-6, rtol: 0 });
          console.log(describeClose(`${backend} causality batch ${b} positions < ${cut}`, r, { atol: 1e-6, rtol: 0 }));
          const moved = Math.max(...after(vc).map((x, i) => Math.abs(x - after(va)[i]!)));
          expect(moved, `batch ${b}: positions ≥ ${cut} should change`).toBeGreaterThan(1e-2);
        }
      } finally {
        tf.dispose([ids2, a, c]);
      }
    });

    it("grouped-query attention equals the same model re-packed as plain multi-head", () => {
      expect(cfg.nKvHead).toBeLessThan(cfg.nHead);
      const mhaCfg = resolveMlmConfig({ ...(golden.doc.config as unknown as MlmConfigInput), nKvHead: cfg.nHead });
      const mha = repackAsMultiHead(params);
      const gqa = logitsOf(params, cfg, ids);
      const plain = logitsOf(mha, mhaCfg, ids);
      try {
        const tol = { atol: 1e-5, rtol: 1e-5 };
        const r = assertAllClose("GQA vs MHA", plain.dataSync(), gqa.dataSync(), gqa.shape, tol);
        console.log(describeClose(`${backend} GQA vs re-packed MHA`, r, tol));
        checkGolden(`${backend} re-packed MHA logits`, plain, ref("logits"));
      } finally {
        tf.dispose([gqa, plain, ...Object.keys(mha).filter((n) => n.endsWith("wqkv.weight")).map((n) => mha[n]!)]);
      }
    });

    it("the head has no rows for the last two ids, which the embedding still reads", () => {
      expect(cfg.outputVocab).toBe(cfg.vocabSize - 2);
      expect(params["output.weight"]!.shape).toEqual([cfg.vocabSize - 2, cfg.dModel]);
      expect(params["model.tok_embeddings.weight"]!.shape[0]).toBe(cfg.vocabSize);
      const flat = ref("input_ids").data;
      expect(flat).toContain(cfg.vocabSize - 1);
      expect(flat).toContain(cfg.vocabSize - 2);
      const logits = logitsOf(params, cfg, ids);
      try {
        expect(logits.shape).toEqual([2, 9, cfg.vocabSize - 2]);
        const top = tf.tidy(() => logits.argMax(-1).max().dataSync()[0]!);
        expect(top).toBeLessThan(cfg.vocabSize - 2);
      } finally {
        logits.dispose();
      }
      const bad = tf.tensor2d([[cfg.vocabSize]], [1, 1], "int32");
      try {
        expect(() => mlmEmbed(params, cfg, bad)).toThrow(/outside the vocabulary/);
      } finally {
        bad.dispose();
      }
    });

    it("forward with cache, continuation and a gradient call leave no tensors behind", () => {
      const before = tf.memory().numTensors;
      const first = step(params, ids);
      const second = step(params, more, first.cache);
      tf.dispose([first.logits, second.logits]);
      disposeKvCache(first.cache);
      disposeKvCache(second.cache);
      expect(tf.memory().numTensors).toBe(before);

      const grads = tf.grads((emb: tf.Tensor, wqkv: tf.Tensor) =>
        tf.sum(logitsOf({ ...params, "model.tok_embeddings.weight": emb, "model.layers.0.attention.wqkv.weight": wqkv }, cfg, ids)),
      )([params["model.tok_embeddings.weight"]!, params["model.layers.0.attention.wqkv.weight"]!]);
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
