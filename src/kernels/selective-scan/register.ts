/**
 * Registers the fused selective-scan kernels (`SelectiveScan`, `SelectiveScanGrad`) for every
 * backend of `kernel-table.ts` (cpu, wasm, webgpu, webgl) and the gradient of `SelectiveScan`.
 * Idempotent: an existing registration is replaced, an identical one left alone.
 */
import { getGradient, getKernel, registerGradient, registerKernel, unregisterGradient, unregisterKernel } from "@tensorflow/tfjs-core";
import type { KernelFunc } from "@tensorflow/tfjs-core";
import { SelectiveScan, SelectiveScanGrad } from "./declaration.ts";
import { selectiveScanGradConfig } from "./gradient.ts";
import { SCAN_KERNEL_TABLE } from "./kernel-table.ts";

function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const existing = getKernel(kernelName, backendName);
  if (existing?.kernelFunc === kernelFunc) return;
  if (existing) unregisterKernel(kernelName, backendName);
  registerKernel({ kernelName, backendName, kernelFunc });
}

/** Registers the fused selective-scan kernels and their gradient. */
export function registerScanKernels(): void {
  for (const row of SCAN_KERNEL_TABLE) {
    for (const backendName of row.backends) {
      replaceKernel(SelectiveScan, backendName, row.forward);
      replaceKernel(SelectiveScanGrad, backendName, row.backward);
    }
  }
  const existing = getGradient(SelectiveScan);
  if (existing === selectiveScanGradConfig) return;
  if (existing) unregisterGradient(SelectiveScan);
  registerGradient(selectiveScanGradConfig);
}
