/**
 * The Mamba checkpoint loader: config inferred from shapes, every name and shape checked
 * with the tensor named in the error, mamba_ssm names accepted, save → load round trips,
 * and no tensors left behind when a load fails.
 */
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { resolveMambaConfig, type MambaConfig, type MambaConfigInput } from "../../src/lib/mamba/config.ts";
import { mambaParamShapes } from "../../src/lib/mamba/params.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { CheckpointError, loadMambaCheckpoint, mambaConfigFromHf, saveMambaCheckpoint } from "../../src/lib/io/hf-mamba.ts";
import { bf16BitsToNumber, numberToBf16Bits } from "../../src/lib/io/safetensors-dtypes.ts";
import { serializeSafetensors, type SafetensorInput } from "../../src/lib/io/safetensors.ts";
import { goldenBytes } from "../golden/golden.ts";

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

type Tensors = Map<string, SafetensorInput>;

/** Deterministic random tensors under the HF names of `cfg`. */
function tensorsFor(input: MambaConfigInput, seed = 1): { cfg: MambaConfig; tensors: Tensors } {
  const cfg = resolveMambaConfig(input);
  const rand = mulberry32(seed);
  const tensors: Tensors = new Map();
  for (const [name, shape] of mambaParamShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { dtype: "F32", shape, data: Float32Array.from({ length: n }, () => rand() * 2 - 1) });
  }
  return { cfg, tensors };
}

const SMALL: MambaConfigInput = { dModel: 8, nLayer: 2, vocabSize: 11, dState: 3, dConv: 2 };

function loadError(bytes: Uint8Array, opts?: Parameters<typeof loadMambaCheckpoint>[1]): CheckpointError {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    const { params } = loadMambaCheckpoint(bytes, opts);
    tf.dispose(Object.values(params));
  } catch (e) {
    caught = e;
  }
  expect(tf.memory().numTensors, "tensors leaked by a failed load").toBe(before);
  expect(caught, "should have thrown").toBeInstanceOf(CheckpointError);
  return caught as CheckpointError;
}

function loadAndCheck(bytes: Uint8Array, want: MambaConfig, tensors: Tensors, opts?: Parameters<typeof loadMambaCheckpoint>[1]) {
  const before = tf.memory().numTensors;
  const { config, params } = loadMambaCheckpoint(bytes, opts);
  try {
    expect(config).toEqual(want);
    expect(Object.keys(params).sort()).toEqual([...mambaParamShapes(want).keys()].sort());
    for (const [name, t] of Object.entries(params)) {
      expect(t.dtype).toBe("float32");
      expect(t.shape, name).toEqual(mambaParamShapes(want).get(name));
      const src = tensors.get(name) ?? tensors.get(name.replace("embeddings", "embedding"))!;
      expect(t.dataSync(), name).toEqual(Float32Array.from(src.data));
    }
  } finally {
    tf.dispose(Object.values(params));
  }
  expect(tf.memory().numTensors).toBe(before);
}

describe("config inference", () => {
  it("reads the golden checkpoint's config off its shapes", () => {
    const { config, params } = loadMambaCheckpoint(goldenBytes("mamba-tiny.safetensors"));
    tf.dispose(Object.values(params));
    expect(config).toEqual(
      resolveMambaConfig({ dModel: 16, nLayer: 2, vocabSize: 37, dState: 4, expand: 2, dConv: 4, dtRank: 1, convBias: true, projBias: false }),
    );
  });

  const variants: [string, MambaConfigInput][] = [
    ["defaults", SMALL],
    ["untied head", { ...SMALL, tieEmbeddings: false }],
    ["projection biases, no conv bias", { ...SMALL, projBias: true, convBias: false }],
    ["expand 3, dtRank 5, one layer", { dModel: 8, nLayer: 1, vocabSize: 5, expand: 3, dtRank: 5, dState: 7, dConv: 3 }],
    ["everything at once", { dModel: 12, nLayer: 3, vocabSize: 9, expand: 1, dtRank: 2, dState: 2, dConv: 5, projBias: true, convBias: false, tieEmbeddings: false }],
  ];
  for (const [label, input] of variants) {
    it(`infers ${label} from tensors alone`, () => {
      const { cfg, tensors } = tensorsFor(input);
      loadAndCheck(serializeSafetensors(tensors), cfg, tensors);
    });
  }

  it("takes epsilon and Δ init from a saved config, and options over both", () => {
    const { cfg, tensors } = tensorsFor({ ...SMALL, rmsNormEps: 1e-6, dtMax: 0.2 });
    const bytes = serializeSafetensors(tensors, { mamba_config: JSON.stringify(cfg) });
    loadAndCheck(bytes, cfg, tensors);
    loadAndCheck(bytes, { ...cfg, rmsNormEps: 1e-3 }, tensors, { config: { rmsNormEps: 1e-3 } });
  });

  it("translates a transformers config.json", () => {
    const hf = {
      architectures: ["MambaForCausalLM"], hidden_size: 768, num_hidden_layers: 24, vocab_size: 50280, state_size: 16,
      expand: 2, conv_kernel: 4, time_step_rank: 48, use_conv_bias: true, use_bias: false, layer_norm_epsilon: 1e-5,
      tie_word_embeddings: true, time_step_min: 0.001, time_step_max: 0.1, time_step_floor: 1e-4, model_type: "mamba",
    };
    expect(resolveMambaConfig(mambaConfigFromHf(hf) as MambaConfigInput)).toEqual(
      resolveMambaConfig({ dModel: 768, nLayer: 24, vocabSize: 50280 }),
    );
  });
});

describe("names", () => {
  it("accepts mamba_ssm names with a saved copy of the tied head", () => {
    const { cfg, tensors } = tensorsFor(SMALL);
    const emb = tensors.get("backbone.embeddings.weight")!;
    const ssm: Tensors = new Map([...tensors].map(([n, t]) => [n === "backbone.embeddings.weight" ? "backbone.embedding.weight" : n, t]));
    ssm.set("lm_head.weight", emb); // torch.save of MambaLMHeadModel stores the tied weight twice
    loadAndCheck(serializeSafetensors(ssm), cfg, ssm);
  });

  it("a head that differs from the embedding is untied", () => {
    const { cfg, tensors } = tensorsFor({ ...SMALL, tieEmbeddings: false });
    const emb = tensors.get("backbone.embeddings.weight")!;
    tensors.set("lm_head.weight", { ...emb, data: Float32Array.from(emb.data, (x) => x + 1) });
    loadAndCheck(serializeSafetensors(tensors), cfg, tensors);
    const tiedAnyway = loadError(serializeSafetensors(tensors), { config: { tieEmbeddings: true } });
    expect(tiedAnyway.message).toMatch(/unknown tensor "lm_head.weight" \(shape \[11, 8\]\)/);
  });

  it("both spellings of the embedding at once are refused", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.embedding.weight", tensors.get("backbone.embeddings.weight")!);
    expect(loadError(serializeSafetensors(tensors)).message).toMatch(
      /tensors "backbone.embedding.weight" and "backbone.embeddings.weight" are both "backbone.embeddings.weight"/,
    );
  });
});

describe("mismatches are named, expected vs got", () => {
  it("a missing tensor", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.delete("backbone.layers.1.mixer.D");
    const e = loadError(serializeSafetensors(tensors));
    expect(e.message).toMatch(/missing tensor "backbone.layers.1.mixer.D" \(expected \[16\]\)/);
    expect(e.problems).toEqual(['missing tensor "backbone.layers.1.mixer.D" (expected [16])']);
  });

  it("a missing layer in the middle", () => {
    const { tensors } = tensorsFor({ ...SMALL, nLayer: 3 });
    for (const n of [...tensors.keys()]) if (n.startsWith("backbone.layers.1.")) tensors.delete(n);
    const e = loadError(serializeSafetensors(tensors));
    expect(e.problems.length).toBe(10);
    expect(e.message).toMatch(/missing tensor "backbone.layers.1.norm.weight".*; and 5 more/);
  });

  it("an unknown tensor", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.layers.0.mixer.extra", { dtype: "F32", shape: [2], data: [1, 2] });
    expect(loadError(serializeSafetensors(tensors)).message).toMatch(/unknown tensor "backbone.layers.0.mixer.extra" \(shape \[2\]\)/);
  });

  it("a wrong shape", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.layers.1.mixer.D", { dtype: "F32", shape: [15], data: new Float32Array(15) });
    tensors.set("backbone.layers.1.mixer.conv1d.weight", { dtype: "F32", shape: [16, 2], data: new Float32Array(32) });
    const e = loadError(serializeSafetensors(tensors));
    expect(e.message).toMatch(/tensor "backbone.layers.1.mixer.conv1d.weight" has shape \[16, 2\], expected \[16, 1, 2\]/);
    expect(e.message).toMatch(/tensor "backbone.layers.1.mixer.D" has shape \[15\], expected \[16\]/);
  });

  it("an option that contradicts the shapes", () => {
    const { tensors } = tensorsFor(SMALL);
    expect(loadError(serializeSafetensors(tensors), { config: { dState: 4 } }).message).toMatch(
      /tensor "backbone.layers.0.mixer.x_proj.weight" has shape \[7, 16\], expected \[9, 16\]/,
    );
    expect(loadError(serializeSafetensors(tensors), { config: { dstate: 4 } as unknown as MambaConfigInput }).message).toMatch(
      /config from the checkpoint and options is invalid: unknown Mamba config field "dstate"/,
    );
  });

  it("a saved config that contradicts the shapes, or is not JSON", () => {
    const { cfg, tensors } = tensorsFor(SMALL);
    const lying = serializeSafetensors(tensors, { mamba_config: JSON.stringify({ ...cfg, dModel: 16 }) });
    expect(loadError(lying).message).toMatch(/__metadata__.mamba_config says dModel = 16 but the tensors imply 8/);
    expect(loadError(serializeSafetensors(tensors, { mamba_config: "{" })).message).toMatch(/mamba_config is not valid JSON/);
  });

  it("tensors the config is read from: missing or of the wrong rank", () => {
    const { tensors } = tensorsFor(SMALL);
    const noEmb = new Map(tensors);
    noEmb.delete("backbone.embeddings.weight");
    expect(loadError(serializeSafetensors(noEmb)).message).toMatch(
      /missing tensor "backbone.embeddings.weight" \(needed to infer vocabSize and dModel\)/,
    );
    const flatAlog = new Map(tensors);
    flatAlog.set("backbone.layers.0.mixer.A_log", { dtype: "F32", shape: [48], data: new Float32Array(48) });
    expect(loadError(serializeSafetensors(flatAlog)).message).toMatch(/tensor "backbone.layers.0.mixer.A_log": expected a 2-D shape, got \[48\]/);
    const noLayers = new Map([...tensors].filter(([n]) => !n.startsWith("backbone.layers.")));
    expect(loadError(serializeSafetensors(noLayers)).message).toMatch(/no "backbone.layers.\{i\}.\*" tensors/);
  });

  it("an inner width that is not a multiple of dModel", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.layers.0.mixer.in_proj.weight", { dtype: "F32", shape: [20, 8], data: new Float32Array(160) });
    expect(loadError(serializeSafetensors(tensors)).message).toMatch(/has 20 rows, so dInner = 10, which is not a whole multiple of dModel = 8/);
  });

  it("an integer parameter", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.layers.0.mixer.D", { dtype: "I32", shape: [16], data: new Int32Array(16) });
    expect(loadError(serializeSafetensors(tensors)).message).toMatch(/tensor "backbone.layers.0.mixer.D" has dtype I32, expected a float type/);
  });

  it("a Mamba-2 checkpoint", () => {
    const { tensors } = tensorsFor(SMALL);
    tensors.set("backbone.layers.0.mixer.dt_bias", { dtype: "F32", shape: [2], data: [0, 0] });
    expect(loadError(serializeSafetensors(tensors)).message).toMatch(/tensor "backbone.layers.0.mixer.dt_bias" belongs to a Mamba-2 model/);
  });

  it("a malformed file is a SafetensorsError, not a CheckpointError", () => {
    expect(() => loadMambaCheckpoint(new Uint8Array(3))).toThrow(/safetensors: file is 3 bytes/);
  });
});

describe("saving", () => {
  it("save → load gives back the same tensors and config (F32), and BF16 rounds", async () => {
    const { cfg, tensors } = tensorsFor({ ...SMALL, tieEmbeddings: false, projBias: true, rmsNormEps: 1e-6 });
    const params = Object.fromEntries([...tensors].map(([n, t]) => [n, tf.tensor(t.data as Float32Array, [...t.shape])]));
    try {
      loadAndCheck(await saveMambaCheckpoint(params, cfg), cfg, tensors);
      const bf16 = loadMambaCheckpoint(await saveMambaCheckpoint(params, cfg, { dtype: "BF16", metadata: { note: "x" } }));
      try {
        expect(bf16.config).toEqual(cfg);
        for (const [n, t] of tensors) {
          const want = Float32Array.from(t.data, (x) => bf16BitsToNumber(numberToBf16Bits(x)));
          expect(bf16.params[n]!.dataSync(), n).toEqual(want);
        }
      } finally {
        tf.dispose(Object.values(bf16.params));
      }
    } finally {
      tf.dispose(Object.values(params));
    }
  });

  it("saves on a backend without dataSync (WebGPU): every tensor is read with await data()", async () => {
    const { cfg, tensors } = tensorsFor(SMALL, 2);
    const params = Object.fromEntries([...tensors].map(([n, t]) => [n, tf.tensor(t.data as Float32Array, [...t.shape])]));
    const noSync = vi.spyOn(tf.Tensor.prototype, "dataSync").mockImplementation(() => {
      throw new Error("dataSync is not supported on this backend");
    });
    let bytes: Uint8Array;
    try {
      bytes = await saveMambaCheckpoint(params, cfg);
    } finally {
      noSync.mockRestore();
      tf.dispose(Object.values(params));
    }
    loadAndCheck(bytes, cfg, tensors);
  });

  it("refuses parameters that do not fit the config", async () => {
    const { cfg } = tensorsFor(SMALL);
    const params = { "backbone.embeddings.weight": tf.zeros([11, 4]), stray: tf.zeros([1]) };
    try {
      await expect(saveMambaCheckpoint(params, cfg)).rejects.toThrow(CheckpointError);
      await expect(saveMambaCheckpoint(params, cfg)).rejects.toThrow(
        /tensor "backbone.embeddings.weight" has shape \[11, 4\], expected \[11, 8\].*missing tensor "backbone.norm_f.weight".*unknown tensor "stray"/,
      );
    } finally {
      tf.dispose(Object.values(params));
    }
  });
});
