/** The headline ratios of `npm run bench -- --json` (see main.ts). */
import { scanRatios, type ScanBenchRow } from "./scan.ts";

/** The headline ratios from whichever benches ran (null where a bench or its peer did not). */
export function benchRatios(rows: readonly object[]): { scanVsC: number | null; trainVsTorch: number | null } {
  const scanRows = rows.filter((r): r is ScanBenchRow => "kernel" in r && "elementsPerSec" in r);
  const train = rows.find((r) => (r as { bench?: string }).bench === "train" && (r as { ratio?: unknown }).ratio !== undefined && (r as { preset?: string }).preset === "tiny") as
    | { ratio: number | null }
    | undefined;
  return { scanVsC: scanRows.length ? scanRatios(scanRows).scanVsC : null, trainVsTorch: train?.ratio ?? null };
}
