/** The headline ratios of `npm run bench -- --json` (see main.ts). */
import { scanRatios, type ScanBenchRow } from "./scan.ts";

export interface BenchRatios {
  /** Fused native scan ÷ the C fast-math loop (`bench/peers/scan.c`), both on the bench's thread count (default 1): geometric mean of speed over shapes. */
  scanVsC: number | null;
  /** tiny, answer stage: our tokens/s ÷ the loop-scan torch peer's (on an optimised BLAS). */
  trainVsTorch: number | null;
  /** small, answer stage: our tokens/s ÷ the pscan torch peer's (on an optimised BLAS). */
  trainVsTorchPscan: number | null;
  /** small, answer stage: our model GFLOP/s ÷ the faster sgemm GFLOP/s of the run (ours or the peer's BLAS). */
  trainFracOfSgemm: number | null;
}

type Row = { bench?: string; preset?: string; stage?: string; side?: string; ratio?: number; ratioPscan?: number; gflops?: number };

/** The headline ratios from whichever benches ran (null where a bench or its peer did not, or the peer's BLAS was the reference one). */
export function benchRatios(rows: readonly object[]): BenchRatios {
  const scanRows = rows.filter((r): r is ScanBenchRow => "kernel" in r && "elementsPerSec" in r);
  const all = rows as Row[];
  const ours = (preset: string) => all.find((r) => r.bench === "train" && r.side === "ours" && r.preset === preset && r.stage === "answer"); // the stage every system trains
  const sgemm = all.filter((r) => r.bench === "sgemm" && typeof r.gflops === "number").map((r) => r.gflops!);
  const small = ours("small");
  return {
    scanVsC: scanRows.length ? scanRatios(scanRows).scanVsC : null,
    trainVsTorch: ours("tiny")?.ratio ?? null,
    trainVsTorchPscan: small?.ratioPscan ?? null,
    trainFracOfSgemm: small && sgemm.length ? small.gflops! / Math.max(...sgemm) : null,
  };
}
