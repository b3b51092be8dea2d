import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/lib/mamba/config.ts";
import { countMeteorParams, meteorPreset, resolveMeteorConfig } from "../../src/lib/meteor/config.ts";

describe("Meteor configuration", () => {
  it("counts Meteor-7B's parts exactly: CLIP-L/14-336, Mamba-130M with 92,546 rows, InternLM2-7B", () => {
    const c = countMeteorParams(meteorPreset("meteor-7b"));
    // CLIP ViT-L/14-336 vision tower (hand count): class 1024 + patch conv 1024·3·14·14 + 577 positions·1024
    // + pre/post LayerNorm 2·2048 + 24 layers × (4·(1024² + 1024) + fc1 1024·4096 + 4096 + fc2 4096·1024 + 1024 + 2·2048)
    const clipLayer = 4 * (1024 * 1024 + 1024) + 1024 * 4096 + 4096 + 4096 * 1024 + 1024 + 2 * 2048;
    expect(c.vision).toBe(1024 + 1024 * 3 * 14 * 14 + 577 * 1024 + 2 * 2048 + 24 * clipLayer);
    expect(c.vision).toBe(303_507_456); // published size of CLIPVisionModel (clip-vit-large-patch14-336)
    // Mamba-130M stack (3,771,648 per layer, see mamba config test) with the 92,546-row embedding
    expect(c.mamba).toBe(24 * 3_771_648 + 92546 * 768 + 768);
    // InternLM2-7B: wqkv (32 + 2·8)·128 × 4096, wo 4096², SwiGLU 3·14336·4096, 2 norms; embedding 92,546 rows, head 92,544
    const internLayer = 48 * 128 * 4096 + 4096 * 4096 + 3 * 14336 * 4096 + 2 * 4096;
    expect(c.mlm).toBe(32 * internLayer + 92546 * 4096 + 92544 * 4096 + 4096);
    // mlp2x_gelu projectors: in·out + out + out² + out
    const proj = (i: number, o: number) => i * o + o + o * o + o;
    expect(c.mlmVisionProjector).toBe(proj(1024, 4096));
    expect(c.mambaVisionProjector).toBe(proj(1024, 768));
    expect(c.torProjector).toBe(proj(768, 4096));
    expect(c.total).toBe(c.vision + c.mamba + c.mlm + c.mlmVisionProjector + c.mambaVisionProjector + c.torProjector);
  });

  it("gives the MLM head two rows fewer than the vocabulary and validates every part", () => {
    const cfg = meteorPreset("tiny", { vocabSize: 300 });
    expect(cfg.mlm.vocabSize).toBe(300);
    expect(cfg.mlm.outputVocab).toBe(298);
    expect(cfg.mamba.vocabSize).toBe(300);
    expect(cfg.vision.numPatches).toBe(16);
    const base = { vocabSize: 50, vision: { imageSize: 8, patchSize: 4, dModel: 8, nLayer: 1, nHead: 2, mlpDim: 8 }, mamba: { dModel: 8, nLayer: 1 }, mlm: { dModel: 8, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 8 } };
    expect(() => resolveMeteorConfig({ ...base, vision: { ...base.vision, imageSize: 10 } })).toThrow(/vision.imageSize \(10\) must be a multiple of vision.patchSize \(4\)/);
    expect(() => resolveMeteorConfig({ ...base, mlm: { ...base.mlm, nKvHead: 3 } })).toThrow(/mlm.nHead \(2\) must be divisible by mlm.nKvHead \(3\)/);
    expect(() => resolveMeteorConfig({ ...base, numTor: 0 })).toThrow(/numTor/);
    expect(() => resolveMeteorConfig({ ...base, extra: 1 } as never)).toThrow(ConfigError);
  });
});
