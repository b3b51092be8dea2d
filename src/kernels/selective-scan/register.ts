/**
 * Registers the fused selective-scan kernels (`SelectiveScan`, `SelectiveScanGrad`) for the
 * JS-kernel backends (`cpu`, `wasm`) and the gradient of `SelectiveScan`. Idempotent: an
 * existing registration is replaced, an identical one left alone.
 */
import { getGradient, getKernel, registerGradient, registerKernel, unregisterGradient, unregisterKernel } from "@tensorflow/tfjs-core";
import type { KernelFunc } from "@tensorflow/tfjs-core";
import { JS_KERNEL_BACKENDS } from "../js-kernel.ts";
import { SelectiveScan, SelectiveScanGrad } from "./declaration.ts";
import { selectiveScanGradKernelFunc } from "./grad-kernel-cpu.ts";
import { selectiveScanGradConfig } from "./gradient.ts";
import { selectiveScanKernelFunc } from "./kernel-cpu.ts";

function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const existing = getKernel(kernelName, backendName);
  if (existing?.kernelFunc === kernelFunc) return;
  if (existing) unregisterKernel(kernelName, backendName);
  registerKernel({ kernelName, backendName, kernelFunc });
}

/** Registers the fused selective-scan kernels and their gradient. */
export function registerScanKernels(): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    replaceKernel(SelectiveScan, backendName, selectiveScanKernelFunc);
    replaceKernel(SelectiveScanGrad, backendName, selectiveScanGradKernelFunc);
  }
  const existing = getGradient(SelectiveScan);
  if (existing === selectiveScanGradConfig) return;
  if (existing) unregisterGradient(SelectiveScan);
  registerGradient(selectiveScanGradConfig);
}
