/** Registers the fused selective-scan kernels and their gradients (filled in with the fused kernel). */
export function registerScanKernels(): void {}
