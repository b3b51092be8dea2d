/** The verdict on WebGPU adapters that keeps the backend picker off software GPUs (no GPU needed). */
import { describe, expect, it } from "vitest";
import { isHardwareAdapter } from "../../src/lib/webgpu-node.ts";

describe("isHardwareAdapter", () => {
  it.each([
    [{ vendor: "nvidia", architecture: "ampere", description: "NVIDIA GeForce RTX 3090" }, true],
    [{ vendor: "amd", architecture: "rdna-3", description: "AMD Radeon RX 7900 XTX (RADV NAVI31)" }, true],
    [{ vendor: "intel", architecture: "gen-12lp", description: "Intel(R) UHD Graphics 770" }, true],
    [{ vendor: "google", architecture: "swiftshader", description: "SwiftShader driver 5.0.0", isFallbackAdapter: true }, false],
    [{ vendor: "google", architecture: "swiftshader", description: "SwiftShader driver 5.0.0" }, false],
    [{ vendor: "mesa", architecture: "", description: "llvmpipe (LLVM 15.0.6, 256 bits)" }, false],
    [{ vendor: "mesa", architecture: "", description: "lavapipe" }, false],
    [{ vendor: "microsoft", architecture: "", description: "Microsoft Basic Render Driver" }, false],
    [{ vendor: "nvidia", architecture: "ampere", description: "NVIDIA A100", isFallbackAdapter: true }, false],
  ])("%o → %s", (info, hardware) => {
    expect(isHardwareAdapter(info)).toBe(hardware);
  });
});
