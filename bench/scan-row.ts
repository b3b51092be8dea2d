/**
 * The scan bench's row, shared by the CPU rows (`scan.ts`) and the WebGPU rows
 * (`scan-gpu.ts`): one kernel on one shape. Its own file, so that neither imports the other
 * for a type.
 */
import type { PeerKernel } from "./scan-peers.ts";

/** The fused WebGPU kernel with its sequential or its chunked schedule. */
export type GpuScanKernel = "webgpu-fused" | "webgpu-chunked";

export type ScanKernel = "reference" | "fused-js" | "fused-native" | "composed" | PeerKernel | GpuScanKernel;

/** One measured (or skipped) configuration. */
export interface ScanBenchRow {
  kernel: ScanKernel;
  b: number;
  dInner: number;
  dState: number;
  l: number;
  /** Forward + backward wall time in ms (median of the repetitions); null when skipped. */
  ms: number | null;
  /** b·l·dInner·dState / seconds; null when skipped. */
  elementsPerSec: number | null;
}

/** A WebGPU row: the common fields, the device and the bandwidth reached (see `scan-gpu.ts`). */
export interface GpuScanRow extends ScanBenchRow {
  kernel: GpuScanKernel;
  /** The adapter, e.g. "SwiftShader driver 5.0.0". */
  device: string;
  /** Ideal bytes moved per forward + backward. */
  bytes: number;
  /** bytes / seconds / 1e9. */
  gbPerSec: number | null;
  /** gbPerSec / peak, when the peak was given. */
  peakFraction: number | null;
}
