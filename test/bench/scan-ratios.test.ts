/** The headline ratios of `npm run bench -- --json`, from hand-made rows. */
import { describe, expect, it } from "vitest";
import { scanRatios, type ScanBenchRow } from "../../bench/scan.ts";
import { benchRatios } from "../../bench/ratios.ts";

const row = (kernel: ScanBenchRow["kernel"], l: number, ms: number | null): ScanBenchRow => ({
  kernel, b: 1, dInner: 256, dState: 16, l, ms, elementsPerSec: ms === null ? null : (256 * 16 * l) / (ms / 1000),
});

describe("bench ratios", () => {
  it("scanVsC is the geometric mean of C ms ÷ ours over the shapes both ran", () => {
    const rows = [row("fused-native", 256, 10), row("c-loop", 256, 20), row("fused-native", 1024, 40), row("c-loop", 1024, 20), row("fused-native", 4096, 100), row("c-loop", 4096, null)];
    // ratios 2 and 0.5 → geometric mean 1; the skipped C run is left out
    expect(scanRatios(rows).scanVsC).toBeCloseTo(1, 12);
    expect(scanRatios(rows).scanVsTorch).toBeNull();
  });

  it("falls back to the JS kernel when the native one did not run", () => {
    const rows = [row("fused-js", 256, 30), row("c-loop", 256, 10), row("torch-loop", 256, 60)];
    expect(scanRatios(rows)).toEqual({ scanVsC: 1 / 3, scanVsTorch: 2 });
  });

  it("trainVsTorch comes from our tiny answer row; null when absent", () => {
    const r = benchRatios([row("fused-native", 256, 10), row("c-loop", 256, 30)]);
    expect(r.scanVsC).toBeCloseTo(3, 12);
    expect(r).toMatchObject({ trainVsTorch: null, trainVsTorchPscan: null, trainFracOfSgemm: null });
    const train = (preset: string, stage: string, ratio: number) => ({ bench: "train", side: "ours", preset, stage, ratio });
    expect(benchRatios([train("small", "answer", 9), train("tiny", "embed", 2), train("tiny", "answer", 0.7)]).trainVsTorch).toBe(0.7);
  });

  it("trainVsTorchPscan and trainFracOfSgemm come from our small answer row and the faster sgemm", () => {
    const r = benchRatios([
      { bench: "sgemm", impl: "ours", gflops: 60 },
      { bench: "sgemm", impl: "openblas", gflops: 80 },
      { bench: "train", side: "ours", preset: "small", stage: "embed", gflops: 1, ratioPscan: 5 },
      { bench: "train", side: "ours", preset: "small", stage: "answer", gflops: 20, ratioPscan: 1.25 },
      { bench: "train", side: "torch-pscan", preset: "small", stage: "answer", gflops: 30 },
    ]);
    expect(r.trainVsTorchPscan).toBe(1.25);
    expect(r.trainFracOfSgemm).toBe(0.25);
    // a peer on the reference BLAS leaves the ratio off our row (bench/train.ts): null here
    expect(benchRatios([{ bench: "train", side: "ours", preset: "small", stage: "answer", gflops: 20 }]).trainVsTorchPscan).toBeNull();
  });
});
