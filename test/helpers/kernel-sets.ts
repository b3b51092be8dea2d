/**
 * The kernel sets a kernel test runs against: the JS kernels always, the native C kernels
 * when the addon is built. Under CI the native set is always included, so a missing build
 * fails the tests (its check expects `nativeKernelsActive`) instead of skipping them.
 */
import { loadNative, nativeUnavailableReason } from "../../src/kernels/native/load.ts";

export type KernelSet = "js" | "native";

const available = loadNative() !== null;
if (!available && !process.env.CI) console.warn(`native kernel tests skipped: addon ${nativeUnavailableReason()}`);

export const KERNEL_SETS: readonly KernelSet[] = available || process.env.CI ? ["js", "native"] : ["js"];

/** [backend, kernel set] pairs for describe.each. */
export function kernelVariants<B extends string>(backends: readonly B[]): [B, KernelSet][] {
  return backends.flatMap((b) => KERNEL_SETS.map((k) => [b, k] as [B, KernelSet]));
}
