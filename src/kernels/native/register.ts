/**
 * Registers the native kernels for `cpu` and `wasm` — `BatchMatMul` (and with it every
 * matMul gradient), `SelectiveScan`, `SelectiveScanGrad`, the layout kernels `Slice`,
 * `SplitV`, `Concat`, `GatherV2`, `PadV2`, `UnsortedSegmentSum` (and on wasm a sharing `Identity`) — in place of the JS ones, and puts
 * the JS ones back on request (benchmarks and tests compare both). The scan's registered
 * gradient is the same either way (`../selective-scan/gradient.ts`). The fused ops of
 * `../fused/declaration.ts` exist only here: unregistering removes them, and the model
 * composes tfjs ops instead.
 */
import { BatchMatMul, Concat, GatherV2, getKernel, PadV2, Identity, registerKernel, Slice, SplitV, UnsortedSegmentSum, unregisterKernel, type KernelFunc } from "@tensorflow/tfjs-core";
import { JS_KERNEL_BACKENDS } from "../js-kernel.ts";
import { SelectiveScan, SelectiveScanGrad } from "../selective-scan/declaration.ts";
import { registerScanKernels } from "../selective-scan/register.ts";
import { AdamW, CausalSoftmax, CausalSoftmaxGrad, ConvSilu, ConvSiluGrad, CrossEntropy, CrossEntropyGrad, GlobalNorm, LayerNorm, LayerNormGrad, RmsNorm, RmsNormGrad, Rope, RopeGrad, SwiGlu, SwiGluGrad } from "../fused/declaration.ts";
import * as fused from "./fused.ts";
import { nativeConcatKernel, nativeGatherKernel, nativePadKernel, nativeSegmentSumKernel, nativeSliceKernel, nativeSplitVKernel, sharingIdentityKernel } from "./layout.ts";
import { loadNative, nativeUnavailableReason, type NativeInfo, type NativeKernels } from "./load.ts";
import { nativeMatMulKernel } from "./matmul.ts";
import { nativeScanGradKernel, nativeScanKernel } from "./scan.ts";

/** Per "kernel/backend": the tfjs kernel registered before ours (restored by `unregisterNativeKernels`). */
const replaced = new Map<string, KernelFunc>();
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

/** Native kernels that stand in for a tfjs kernel and fall back to it: name → (addon, tfjs kernel) → ours. */
const WRAPPED: Record<string, { backends?: readonly string[]; make(native: NativeKernels, fallback: KernelFunc): KernelFunc }> = {
  [BatchMatMul]: { make: nativeMatMulKernel },
  [Slice]: { make: nativeSliceKernel },
  [SplitV]: { make: nativeSplitVKernel },
  [Concat]: { make: nativeConcatKernel },
  [GatherV2]: { make: nativeGatherKernel },
  [PadV2]: { make: nativePadKernel },
  [UnsortedSegmentSum]: { make: nativeSegmentSumKernel },
  [Identity]: { backends: ["wasm"], make: (_, fallback) => sharingIdentityKernel(fallback) },
};

/** Native kernels with no tfjs counterpart (the fused ops): name → maker. Unregistered, the model composes tfjs ops. */
const FUSED: Record<string, (native: NativeKernels) => KernelFunc> = {
  [RmsNorm]: fused.nativeRmsNormKernel,
  [RmsNormGrad]: fused.nativeRmsNormGradKernel,
  [LayerNorm]: fused.nativeLayerNormKernel,
  [LayerNormGrad]: fused.nativeLayerNormGradKernel,
  [SwiGlu]: fused.nativeSwiGluKernel,
  [SwiGluGrad]: fused.nativeSwiGluGradKernel,
  [CausalSoftmax]: fused.nativeCausalSoftmaxKernel,
  [CausalSoftmaxGrad]: fused.nativeCausalSoftmaxGradKernel,
  [CrossEntropy]: fused.nativeCrossEntropyKernel,
  [CrossEntropyGrad]: fused.nativeCrossEntropyGradKernel,
  [Rope]: fused.nativeRopeKernel,
  [RopeGrad]: fused.nativeRopeGradKernel,
  [ConvSilu]: fused.nativeConvSiluKernel,
  [ConvSiluGrad]: fused.nativeConvSiluGradKernel,
  [AdamW]: fused.nativeAdamWKernel,
  [GlobalNorm]: fused.nativeGlobalNormKernel,
};

/**
 * Registers the native kernels for every JS-kernel backend that tfjs knows; returns what
 * loaded (null when the addon is unavailable: see `nativeUnavailableReason`).
 */
export function registerNativeKernels(): NativeInfo | null {
  const native = loadNative();
  if (!native) return null;
  for (const backendName of JS_KERNEL_BACKENDS) {
    for (const [kernelName, w] of Object.entries(WRAPPED)) {
      if (w.backends && !w.backends.includes(backendName)) continue;
      const k = getKernel(kernelName, backendName);
      if (!k || isNativeKernel(k.kernelFunc)) continue;
      replaced.set(`${kernelName}/${backendName}`, k.kernelFunc);
      const f = w.make(native, k.kernelFunc);
      ours.add(f);
      replace(kernelName, backendName, f);
    }
    for (const [kernelName, make] of Object.entries(FUSED)) {
      if (isNativeKernel(getKernel(kernelName, backendName)?.kernelFunc)) continue;
      const f = make(native);
      ours.add(f);
      replace(kernelName, backendName, f);
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

/**
 * Turns the fused ops' native kernels off (the model then composes tfjs ops) or back on,
 * leaving the other native kernels registered: benchmarks compare both in one run.
 * Returns false when the addon is unavailable.
 */
export function setFusedKernels(on: boolean): boolean {
  const native = loadNative();
  if (!native) return false;
  for (const backendName of JS_KERNEL_BACKENDS) {
    for (const [kernelName, make] of Object.entries(FUSED)) {
      const k = getKernel(kernelName, backendName);
      if (!on && k) unregisterKernel(kernelName, backendName);
      if (on && !isNativeKernel(k?.kernelFunc)) {
        const f = make(native);
        ours.add(f);
        replace(kernelName, backendName, f);
      }
    }
  }
  return true;
}

/** Puts back the kernels the native ones replaced (JS scan, the previous tfjs kernels). */
export function unregisterNativeKernels(): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    for (const kernelName of Object.keys(WRAPPED)) {
      const key = `${kernelName}/${backendName}`;
      const k = getKernel(kernelName, backendName);
      const before = replaced.get(key);
      if (k && isNativeKernel(k.kernelFunc) && before) replace(kernelName, backendName, before);
      replaced.delete(key);
    }
    for (const kernelName of Object.keys(FUSED)) if (getKernel(kernelName, backendName)) unregisterKernel(kernelName, backendName);
  }
  registerScanKernels();
}

/** Whether the native kernels are registered for `backendName`. */
export function nativeKernelsActive(backendName: string): boolean {
  return isNativeKernel(getKernel(SelectiveScan, backendName)?.kernelFunc) || isNativeKernel(getKernel(BatchMatMul, backendName)?.kernelFunc);
}

export { nativeUnavailableReason };
