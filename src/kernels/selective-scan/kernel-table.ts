/**
 * Which fused selective-scan kernels each tfjs backend gets, in one place. `register.ts`
 * registers every row; a backend in no row (e.g. `tensorflow`) runs the composed-ops scan
 * (`composed.ts`) under impl "auto", which stays the fallback everywhere.
 *
 * | backends    | kernels                                 | schedules              |
 * |-------------|-----------------------------------------|------------------------|
 * | cpu, wasm   | JS over typed arrays (`fused-cpu.ts`)    | sequential             |
 * | webgpu      | WGSL compute programs (`webgpu/`)        | sequential, chunked    |
 * | webgl       | GLSL fragment programs (`webgl/`)        | one (log-step scan)    |
 */
import type { KernelFunc } from "@tensorflow/tfjs-core";
import { JS_KERNEL_BACKENDS } from "../js-kernel.ts";
import { selectiveScanGradKernelFunc } from "./grad-kernel-cpu.ts";
import { selectiveScanKernelFunc } from "./kernel-cpu.ts";
import { WEBGPU_MAX_DSTATE } from "./webgpu/backward-program.ts";
import { selectiveScanGradWebGPUKernelFunc } from "./webgpu/kernel-backward.ts";
import { selectiveScanWebGPUKernelFunc } from "./webgpu/kernel-forward.ts";
import { selectiveScanGradWebGLKernelFunc, selectiveScanWebGLKernelFunc } from "./webgl/kernels.ts";

export interface ScanKernelRow {
  /** tfjs backend names. */
  backends: readonly string[];
  /** `SelectiveScan`. */
  forward: KernelFunc;
  /** `SelectiveScanGrad`. */
  backward: KernelFunc;
  /** Whether impl "chunked" (the chunked schedule) exists here; every row has impl "fused". */
  chunked: boolean;
  /** The largest state size (dState, n) the kernels take; none when unlimited. */
  maxDState?: number;
  /** What runs, in words (the Kernels page shows it). */
  description: string;
}

export const SCAN_KERNEL_TABLE: readonly ScanKernelRow[] = [
  {
    backends: JS_KERNEL_BACKENDS,
    forward: selectiveScanKernelFunc,
    backward: selectiveScanGradKernelFunc,
    chunked: false,
    description: "JavaScript over typed arrays, one pass per row, states checkpointed every chunk",
  },
  {
    backends: ["webgpu"],
    forward: selectiveScanWebGPUKernelFunc,
    backward: selectiveScanGradWebGPUKernelFunc,
    chunked: true,
    maxDState: WEBGPU_MAX_DSTATE,
    description: "WGSL: one invocation per (row, channel) with the state in registers; chunked: also per chunk, joined by a log-step scan",
  },
  {
    backends: ["webgl"],
    forward: selectiveScanWebGLKernelFunc,
    backward: selectiveScanGradWebGLKernelFunc,
    chunked: false,
    description: "GLSL: every state materialised by a log-step scan over the sequence (fragment shaders cannot carry a state)",
  },
];

/** The row for `backendName`, if it has fused kernels. */
export function scanKernelRow(backendName: string): ScanKernelRow | undefined {
  return SCAN_KERNEL_TABLE.find((row) => row.backends.includes(backendName));
}
