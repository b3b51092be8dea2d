/**
 * Registers the native kernels for `cpu` and `wasm` — `BatchMatMul` (and with it every
 * matMul gradient), `SelectiveScan`, `SelectiveScanGrad` — in place of the JS ones, and puts
 * the JS ones back on request (benchmarks and tests compare both). The scan's registered
 * gradient is the same either way (`../selective-scan/gradient.ts`).
 */
import { BatchMatMul, getKernel, registerKernel, unregisterKernel, type KernelFunc } from "@tensorflow/tfjs-core";
import { JS_KERNEL_BACKENDS } from "../js-kernel.ts";
import { SelectiveScan, SelectiveScanGrad } from "../selective-scan/declaration.ts";
import { registerScanKernels } from "../selective-scan/register.ts";
import { loadNative, nativeUnavailableReason, type NativeInfo } from "./load.ts";
import { nativeMatMulKernel } from "./matmul.ts";
import { nativeScanGradKernel, nativeScanKernel } from "./scan.ts";

/** Per backend: the BatchMatMul that was registered before ours (restored by `unregisterNativeKernels`). */
const replacedMatMul = new Map<string, KernelFunc>();
const ours = new Set<KernelFunc>();

function replace(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const existing = getKernel(kernelName, backendName);
  if (existing) unregisterKernel(kernelName, backendName);
  registerKernel({ ...(existing ?? {}), kernelName, backendName, kernelFunc });
}

/** True when `kernelFunc` is one of the native kernels. */
export function isNativeKernel(kernelFunc: KernelFunc | undefined): boolean {
  return kernelFunc !== undefined && ours.has(kernelFunc);
}

/**
 * Registers the native kernels for every JS-kernel backend that tfjs knows; returns what
 * loaded (null when the addon is unavailable: see `nativeUnavailableReason`).
 */
export function registerNativeKernels(): NativeInfo | null {
  const native = loadNative();
  if (!native) return null;
  for (const backendName of JS_KERNEL_BACKENDS) {
    const mm = getKernel(BatchMatMul, backendName);
    if (mm && !isNativeKernel(mm.kernelFunc)) {
      replacedMatMul.set(backendName, mm.kernelFunc);
      const f = nativeMatMulKernel(native, mm.kernelFunc);
      ours.add(f);
      replace(BatchMatMul, backendName, f);
    }
    if (!isNativeKernel(getKernel(SelectiveScan, backendName)?.kernelFunc)) {
      const fwd = nativeScanKernel(native);
      const bwd = nativeScanGradKernel(native);
      ours.add(fwd).add(bwd);
      replace(SelectiveScan, backendName, fwd);
      replace(SelectiveScanGrad, backendName, bwd);
    }
  }
  return native.info();
}

/** Puts back the kernels the native ones replaced (JS scan, the previous BatchMatMul). */
export function unregisterNativeKernels(): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    const mm = getKernel(BatchMatMul, backendName);
    const before = replacedMatMul.get(backendName);
    if (mm && isNativeKernel(mm.kernelFunc) && before) replace(BatchMatMul, backendName, before);
    replacedMatMul.delete(backendName);
  }
  registerScanKernels();
}

/** Whether the native kernels are registered for `backendName`. */
export function nativeKernelsActive(backendName: string): boolean {
  return isNativeKernel(getKernel(SelectiveScan, backendName)?.kernelFunc) || isNativeKernel(getKernel(BatchMatMul, backendName)?.kernelFunc);
}

export { nativeUnavailableReason };
