/** `meteor eval` as a user runs it: the image switch, the template prior, tiers and the feature spread in its JSON. */
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const CHECKPOINT = "data/checkpoints/tiny-meteor";

describe("meteor eval", () => {
  it("--images real|blank|shuffled on the shipped checkpoint: same questions, the mode named, prior and spread reported", async () => {
    const out: Record<string, { images: string; overall: { n: number; accuracy: number }; prior: { overall: { accuracy: number } }; tiers: Record<string, unknown>; imageFeatureSpread: { vision: number; mlmProjector: number; n: number } }> = {};
    for (const mode of ["real", "blank", "shuffled"]) {
      const r = await runCli(["eval", "--checkpoint", CHECKPOINT, "--n", "24", "--similarity-n", "4", "--images", mode, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      out[mode] = JSON.parse(r.stdout);
      expect(out[mode]!.images).toBe(mode);
      expect(out[mode]!.overall.n).toBe(24);
    }
    // the prior and the spread do not depend on the mode: they are fitted on training data and measured on the real images
    expect(out.blank!.prior.overall.accuracy).toBe(out.real!.prior.overall.accuracy);
    expect(out.shuffled!.imageFeatureSpread).toEqual(out.real!.imageFeatureSpread);
    expect(out.real!.imageFeatureSpread.n).toBeGreaterThan(1);
    expect(Object.keys(out.real!.tiers)).toEqual(["reasoning"]);
  }, 300_000);

  it("refuses an unknown image mode, naming the choices", async () => {
    const r = await runCli(["eval", "--checkpoint", CHECKPOINT, "--images", "upside-down"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--images must be real, blank, shuffled, got "upside-down"/);
  });
});
