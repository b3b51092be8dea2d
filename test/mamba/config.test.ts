import { describe, expect, it } from "vitest";
import { ConfigError, MAMBA_PRESETS, mambaPreset, resolveMambaConfig } from "../../src/lib/mamba/config.ts";
import { countMambaParams, mambaParamShapes } from "../../src/lib/mamba/params.ts";

describe("Mamba config", () => {
  it("derives dInner and dtRank and freezes the result without touching the input", () => {
    const input = { dModel: 768, nLayer: 24, vocabSize: 50280 };
    const cfg = resolveMambaConfig(input);
    expect(cfg.dInner).toBe(1536);
    expect(cfg.dtRank).toBe(48); // ceil(768 / 16)
    expect(cfg.dState).toBe(16);
    expect(cfg.dConv).toBe(4);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(input).toEqual({ dModel: 768, nLayer: 24, vocabSize: 50280 });
    expect(resolveMambaConfig({ dModel: 100, nLayer: 1, vocabSize: 5 }).dtRank).toBe(7); // ceil(6.25)
    expect(resolveMambaConfig({ dModel: 64, nLayer: 1, vocabSize: 5, dtRank: 3 }).dtRank).toBe(3);
  });

  it("rejects impossible sizes and unknown fields with a message naming the field", () => {
    expect(() => resolveMambaConfig({ dModel: 0, nLayer: 1, vocabSize: 5 })).toThrow(/dModel/);
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1.5, vocabSize: 5 })).toThrow(/nLayer/);
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: -3 })).toThrow(/vocabSize/);
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: 5, dState: Number.NaN })).toThrow(/dState/);
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: 5, dtMin: 0.5, dtMax: 0.1 })).toThrow(/dtMin/);
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: 5, dstate: 4 } as never)).toThrow(
      /unknown Mamba config field "dstate"/,
    );
    expect(() => resolveMambaConfig({ dModel: 8, nLayer: 1, vocabSize: 5 })).not.toThrow();
    expect(() => mambaPreset("mamba-7b")).toThrow(ConfigError);
  });

  it("counts Mamba-130M's parameters exactly", () => {
    // Hand count for d=768, e=1536, n=16, k=4, r=48, v=50280, 24 layers, tied head:
    // per layer: in_proj 768·3072 + conv 1536·4 + 1536 + x_proj 80·1536 + dt_proj 1536·48 + 1536
    //            + A_log 1536·16 + D 1536 + out_proj 768·1536 + norm 768 = 3,771,648
    const perLayer = 768 * 3072 + 1536 * 4 + 1536 + 80 * 1536 + 1536 * 48 + 1536 + 1536 * 16 + 1536 + 768 * 1536 + 768;
    expect(perLayer).toBe(3_771_648);
    expect(countMambaParams(mambaPreset("mamba-130m"))).toBe(24 * perLayer + 50280 * 768 + 768);
    expect(countMambaParams(mambaPreset("mamba-130m"))).toBe(129_135_360); // published size of mamba-130m
    // Meteor-Mamba: the same stack with the embedding resized to InternLM2's 92,546 rows
    expect(countMambaParams(mambaPreset("meteor-mamba"))).toBe(24 * perLayer + 92546 * 768 + 768);
  });

  it("an untied head and projection biases add exactly their tensors", () => {
    const base = resolveMambaConfig({ dModel: 16, nLayer: 2, vocabSize: 11 });
    const untied = resolveMambaConfig({ dModel: 16, nLayer: 2, vocabSize: 11, tieEmbeddings: false, projBias: true });
    expect(countMambaParams(untied) - countMambaParams(base)).toBe(11 * 16 + 2 * (2 * 32 + 16));
    expect(mambaParamShapes(untied).get("lm_head.weight")).toEqual([11, 16]);
    expect(mambaParamShapes(base).has("lm_head.weight")).toBe(false);
  });

  it("every preset resolves", () => {
    for (const name of Object.keys(MAMBA_PRESETS)) expect(countMambaParams(mambaPreset(name))).toBeGreaterThan(0);
  });
});
