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

  it("trainVsTorch comes from the tiny train row; null when absent", () => {
    const r = benchRatios([row("fused-native", 256, 10), row("c-loop", 256, 30)]);
    expect(r.scanVsC).toBeCloseTo(3, 12);
    expect(r.trainVsTorch).toBeNull();
    expect(benchRatios([{ bench: "train", preset: "small", stage: "answer", ratio: 9 }, { bench: "train", preset: "tiny", stage: "embed", ratio: 2 }, { bench: "train", preset: "tiny", stage: "answer", ratio: 0.7 }]).trainVsTorch).toBe(0.7);
  });
});
