/**
 * A software GPU for the Node GPU tests: Dawn (the `webgpu` package) on SwiftShader's Vulkan
 * driver, which Debian's chromium ships in /usr/lib/chromium.
 *
 * Dawn finds the Vulkan loader `libvulkan.so.1` by name. CI installs it (apt `libvulkan1`,
 * `.ci/run`); where only chromium's copy exists, it is loaded here first with RTLD_NODELETE,
 * so that Dawn's later dlopen of the same soname finds it already in the process
 * (LD_LIBRARY_PATH would have to be set before Node starts). The driver is chosen with
 * VK_ICD_FILENAMES, which the loader reads when Dawn creates its instance.
 */
import { existsSync } from "node:fs";
import { initBackend } from "../../src/lib/backend.ts";
import { nodeWebGPUAdapter } from "../../src/lib/webgpu-node.ts";

export const SWIFTSHADER_ICD = process.env.SWIFTSHADER_ICD ?? "/usr/lib/chromium/vk_swiftshader_icd.json";
const CHROMIUM_VULKAN = "/usr/lib/chromium/libvulkan.so.1";
const SYSTEM_VULKAN = ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib/aarch64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1"];
/** dlopen flags (glibc): RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE; Node 20 names only the first two. */
const DLOPEN_KEEP = 0x2 | 0x100 | 0x1000;

/**
 * Points Vulkan at SwiftShader and makes a loader available; then initialises tfjs's webgpu
 * backend on Dawn. Returns why that failed, or null when webgpu is the active backend.
 */
export async function useSoftwareWebGPU(): Promise<string | null> {
  if (process.platform !== "linux") return `the software-GPU tests run on Linux (this is ${process.platform})`;
  if (!process.env.VK_ICD_FILENAMES) {
    if (!existsSync(SWIFTSHADER_ICD)) return `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (install Debian's chromium or set SWIFTSHADER_ICD)`;
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (!SYSTEM_VULKAN.some((p) => existsSync(p)) && existsSync(CHROMIUM_VULKAN)) {
    try {
      process.dlopen({ exports: {} }, CHROMIUM_VULKAN, DLOPEN_KEEP);
    } catch {
      // "Module did not self-register": expected, the library is not a Node addon but stays loaded.
    }
  }
  const adapter = await nodeWebGPUAdapter();
  if (!adapter) return "Dawn found no Vulkan adapter (install libvulkan1, or chromium for its libvulkan.so.1 and SwiftShader)";
  try {
    await initBackend({ backend: "webgpu" });
  } catch (err) {
    return `webgpu backend failed on ${adapter.description}: ${(err as Error).message}`;
  }
  return null;
}
