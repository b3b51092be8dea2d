/** `meteor eval` as a user runs it: the image switch, the template prior, tiers and the feature spread in its JSON. */
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const CHECKPOINT = "data/checkpoints/tiny-meteor";
const STUDY = "data/checkpoints/study-meteor";

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

  it("the pages' study checkpoint reads its images: blanking them costs accuracy on image questions and leaves text questions alone", async () => {
    type Eval = { overall: { accuracy: number }; families: Record<string, { accuracy: number; n: number }>; prior: { overall: { accuracy: number } } };
    const run = async (mode: string): Promise<Eval> => {
      const r = await runCli(["eval", "--checkpoint", STUDY, "--n", "200", "--similarity-n", "4", "--images", mode, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Eval;
    };
    const real = await run("real");
    const blank = await run("blank");
    // measured when the checkpoint was committed: real 33.5 %, blank 23.5 %, prior 19.5 % (200 questions, 50 per family)
    expect(real.overall.accuracy - blank.overall.accuracy).toBeGreaterThan(0.05);
    expect(real.overall.accuracy).toBeGreaterThan(real.prior.overall.accuracy + 0.05);
    expect(blank.families["math-text"]).toEqual(real.families["math-text"]); // no image to blank
    for (const f of ["math-vision", "chart", "scene"]) expect(blank.families[f]!.accuracy, f).toBeLessThan(real.families[f]!.accuracy);
  }, 300_000);

  it("refuses an unknown image mode, naming the choices", async () => {
    const r = await runCli(["eval", "--checkpoint", CHECKPOINT, "--images", "upside-down"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--images must be real, blank, shuffled, got "upside-down"/);
  });
});
