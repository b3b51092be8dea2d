/**
 * The smallest inputs behind each bug the fuzz targets found, kept as plain tests so a
 * regression fails here whatever the random fuzz happens to draw. Each must be refused
 * with the project's typed error, quickly, and without a large allocation.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { ConfigError } from "../../src/lib/config-fields.ts";
import { Tokenizer, TokenizerError, buildTokenizer } from "../../src/lib/data/tokenizer.ts";
import { CheckpointError, loadMambaCheckpoint } from "../../src/lib/io/hf-mamba.ts";
import { deserializeCheckpoint, serializeCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";
import { SafetensorsError, parseSafetensors, serializeSafetensors, type SafetensorInput } from "../../src/lib/io/safetensors.ts";
import { resolveMambaConfig, type MambaConfigInput } from "../../src/lib/mamba/config.ts";
import { resolveMeteorConfig, type MeteorConfigInput } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { resolveRunConfig, type RunConfigInput } from "../../src/lib/train/run-config.ts";
import { goldenBytes } from "../golden/golden.ts";
import { deeplyNested, jsonText } from "./mutate.ts";
import { assemble } from "./safetensors-mutate.ts";

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

/** Runs `f`, expecting an instance of `cls`; fails if it takes over a second or grows arrayBuffers by 64 MiB. */
function refused(f: () => unknown, cls: abstract new (...a: never[]) => Error, message?: RegExp): void {
  const buffers = process.memoryUsage().arrayBuffers;
  const tensors = tf.memory().numTensors;
  const t0 = performance.now();
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  const ms = performance.now() - t0;
  expect(caught, String(caught)).toBeInstanceOf(cls);
  if (message) expect((caught as Error).message).toMatch(message);
  expect(ms).toBeLessThan(1000);
  expect(process.memoryUsage().arrayBuffers - buffers).toBeLessThan(64 * 2 ** 20);
  expect(tf.memory().numTensors).toBe(tensors);
}

describe("safetensors", () => {
  it("a header nested deeper than JSON.stringify can print", () => {
    refused(() => parseSafetensors(assemble(`{"__metadata__":${jsonText(deeplyNested())}}`, new Uint8Array(0))), SafetensorsError, /__metadata__/);
  });
});

describe("Mamba checkpoints", () => {
  const golden = () => new Map(parseSafetensors(goldenBytes("mamba-tiny.safetensors")).tensors) as Map<string, SafetensorInput>;

  it("one tensor renamed to layer 1,000,000 (was 46 s and 3.3 GB)", () => {
    const tensors = golden();
    tensors.set("backbone.layers.1000000.mixer.D", tensors.get("backbone.layers.0.mixer.D")!);
    refused(() => loadMambaCheckpoint(serializeSafetensors(tensors)), CheckpointError, /nLayer 1000001/);
  });

  it("options overriding nLayer with 10^7", () => {
    refused(() => loadMambaCheckpoint(goldenBytes("mamba-tiny.safetensors"), { config: { nLayer: 10_000_000 } }), CheckpointError, /nLayer 10000000/);
  });

  it("a saved config in __metadata__ with a deeply nested field", () => {
    const text = `{"dModel":${jsonText(deeplyNested())}}`;
    refused(() => loadMambaCheckpoint(serializeSafetensors(golden(), { mamba_config: text })), CheckpointError);
  });
});

const config: MeteorConfigInput = {
  vocabSize: 20,
  numTor: 3,
  vision: { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 16 },
  mamba: { dModel: 8, nLayer: 1, dState: 2 },
  mlm: { dModel: 8, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 16 },
};

describe("Meteor checkpoints", () => {
  function files(edit: (meta: { format: unknown; meteor: MeteorConfigInput }) => void): Map<string, Uint8Array> {
    const params = initMeteorVariables(resolveMeteorConfig(config), 1);
    const out = serializeCheckpoint({ config, params, tokenizer: {} });
    tf.dispose(Object.values(params));
    const meta = JSON.parse(new TextDecoder().decode(out.get("config.json")));
    edit(meta);
    out.set("config.json", new TextEncoder().encode(jsonText(meta)));
    return out;
  }

  it("config.json claiming 10^6 MLM layers (was 28 s and 2.6 GB)", () => {
    const f = files((m) => void (m.meteor.mlm.nLayer = 1_000_000));
    refused(() => deserializeCheckpoint(f), CheckpointError, /too few for the 1000002 layers/);
  });

  it("a deeply nested format version", () => {
    const f = files((m) => void (m.format = deeplyNested()));
    refused(() => deserializeCheckpoint(f), CheckpointError, /format version/);
  });
});

describe("configs", () => {
  const run = (extra: Record<string, unknown>) => () => resolveRunConfig({ preset: "tiny", ...extra } as RunConfigInput);

  it.each([
    ["families that are not a list (TypeError: not iterable)", { families: 2 }, /run.families/],
    ["duplicate families", { families: ["chart", "chart"] }, /twice/],
    ["a misspelled stage (fell back to the preset's count)", { steps: { pretrians: 5 } }, /pretrians/],
    ["a negative clipNorm (gradients reversed)", { clipNorm: -1 }, /run.clipNorm/],
    ["a clipNorm that is an object (clipping skipped)", { clipNorm: {} }, /run.clipNorm/],
    ["a non-boolean trainVision", { trainVision: "yes" }, /run.trainVision/],
    ["an inherited name as preset", { preset: "constructor" }, /unknown preset/],
    ["a system whose toString is not callable (the message threw)", { system: { toString: "x" } }, /run.system/],
    ["a deeply nested seed", { seed: deeplyNested() }, /deeply nested/],
    ["numTor 1 (crashed with a RangeError when the embed stage began)", { numTor: 1 }, /run.numTor/],
  ])("run config: %s", (_what, extra, message) => refused(run(extra), ConfigError, message));

  it("dModel = 1.8e308 (dInner was Infinity) and unsafe integers", () => {
    const mamba = (extra: Partial<MambaConfigInput>) => () => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: 5, ...extra });
    refused(mamba({ dModel: Number.MAX_VALUE }), ConfigError, /dModel/);
    refused(mamba({ nLayer: 2 ** 53 + 2 }), ConfigError, /nLayer/);
    refused(() => resolveMeteorConfig({ ...config, numTor: 1e300 }), ConfigError, /numTor/);
  });

  it("a deeply nested Meteor vocabSize", () => {
    refused(() => resolveMeteorConfig({ ...config, vocabSize: deeplyNested() as unknown as number }), ConfigError, /vocabSize/);
  });
});

describe("tokenizer", () => {
  it("a deeply nested token or format", () => {
    const json = buildTokenizer(["a b"]).toJSON();
    refused(() => Tokenizer.fromJSON({ ...json, format: deeplyNested() }), TokenizerError, /format/);
    refused(() => Tokenizer.fromJSON({ ...json, tokens: [...json.tokens.slice(0, 9), deeplyNested(), ...json.tokens.slice(9)] }), TokenizerError, /tokens\[9\]/);
    refused(() => Tokenizer.fromJSON(jsonText({ ...json, version: deeplyNested() })), TokenizerError, /version/);
  });
});
