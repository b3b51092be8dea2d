/** The headline ratios of `npm run bench -- --json` (see main.ts). */
import { scanRatios, type ScanBenchRow } from "./scan.ts";

/** The headline ratios from whichever benches ran (null where a bench or its peer did not). */
export function benchRatios(rows: readonly object[]): { scanVsC: number | null; trainVsTorch: number | null } {
  const scanRows = rows.filter((r): r is ScanBenchRow => "kernel" in r && "elementsPerSec" in r);
  type TrainRow = { bench?: string; preset?: string; stage?: string; ratio?: number };
  const tiny = (rows as TrainRow[]).filter((r) => r.bench === "train" && r.preset === "tiny" && typeof r.ratio === "number");
  const train = tiny.find((r) => r.stage === "answer") ?? tiny[0]; // the answer stage: the one every system trains
  return { scanVsC: scanRows.length ? scanRatios(scanRows).scanVsC : null, trainVsTorch: train?.ratio ?? null };
}
