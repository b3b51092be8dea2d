/**
 * WebGPU in Node through Dawn (the `webgpu` package), for the backend picker (`backend.ts`).
 *
 * Dawn's adapter is inspected before tfjs sees it: `initBackend` prefers `webgpu` on "auto"
 * only for a hardware GPU, never for a software one (SwiftShader, llvmpipe/lavapipe, a CPU
 * adapter, or Dawn's fallback adapter); an explicit `--backend webgpu` uses whatever adapter
 * Dawn finds. The tfjs `webgpu` backend factory is registered here with Dawn's device:
 * `@tensorflow/tfjs-backend-webgpu` registers its own factory only where `navigator.gpu`
 * exists when it is first imported, which Node lacks until this file provides it.
 *
 * Dawn loads the Vulkan loader (`libvulkan.so.1`) by name on Linux; without one, or without
 * a Vulkan driver (ICD), it prints warnings to stderr. So "auto" probes Dawn only when a
 * loader and a driver manifest can be seen (see `vulkanLikelyPresent`).
 *
 * Node only (`nodeProcess()` is null elsewhere). Node's modules come through
 * `process.getBuiltinModule` and Dawn through a computed import, so that the browser bundle
 * of `backend.ts` (docs/data/meteor.js.ts) contains no Node imports.
 */
import * as tf from "./tf.ts";

interface NodeProcess {
  platform: string;
  env: Record<string, string | undefined>;
  versions: { node?: string };
  getBuiltinModule: (name: string) => unknown;
}
interface NodeFs {
  existsSync(path: string): boolean;
  readFileSync(path: string): Uint8Array & { includes(s: string): boolean };
  readdirSync(path: string): string[];
}

/** Node's `process`, or null outside Node. */
function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === "function" ? p : null;
}

/** What Dawn says about its adapter; `hardware` is our verdict. */
export interface NodeWebGPUAdapter {
  /** e.g. "nvidia", "google" */
  vendor: string;
  /** e.g. "ampere", "swiftshader" */
  architecture: string;
  /** e.g. "NVIDIA GeForce RTX 3090", "SwiftShader driver 5.0.0" */
  description: string;
  /** Dawn's own fallback flag (a software adapter). */
  isFallbackAdapter: boolean;
  /** A hardware GPU: not a fallback adapter and not a known software rasteriser. */
  hardware: boolean;
}

/** Names that mark a software adapter in vendor, architecture or description. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|cpu|warp|basic render/i;

/** The verdict on an adapter's info: software names or the fallback flag mean "not hardware". */
export function isHardwareAdapter(info: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean }): boolean {
  if (info.isFallbackAdapter) return false;
  const text = [info.vendor, info.architecture, info.description, info.device].filter(Boolean).join(" ");
  return !SOFTWARE_ADAPTER.test(text);
}

const SYSTEM_LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64", "/lib"];
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

/**
 * Linux only: whether Dawn's Vulkan backend can plausibly start (a `libvulkan.so.1` on the
 * library path and a driver manifest), so that "auto" does not make Dawn print warnings on
 * machines without Vulkan. Other platforms: true (Dawn uses Metal or D3D12 there).
 */
export function vulkanLikelyPresent(): boolean {
  const proc = nodeProcess();
  if (!proc) return false;
  if (proc.platform !== "linux") return true;
  const fs = proc.getBuiltinModule("node:fs") as NodeFs;
  const env = proc.env;
  const libDirs = [...(env["LD_LIBRARY_PATH"] ?? "").split(":").filter(Boolean), ...SYSTEM_LIB_DIRS];
  const loader = libDirs.some((dir) => fs.existsSync(`${dir}/libvulkan.so.1`)) || ldCacheHas(fs, "libvulkan.so.1");
  if (!loader) return false;
  if (env["VK_ICD_FILENAMES"] || env["VK_DRIVER_FILES"]) return true;
  return ICD_DIRS.some((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith(".json")));
}

function ldCacheHas(fs: NodeFs, name: string): boolean {
  try {
    return fs.readFileSync("/etc/ld.so.cache").includes(name); // a Buffer in Node
  } catch {
    return false;
  }
}

interface DawnAdapter {
  info: NodeWebGPUAdapter & { device?: string };
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<object>;
}
interface DawnGPU {
  requestAdapter(options?: object): Promise<DawnAdapter | null>;
}

let dawn: Promise<{ gpu: DawnGPU; adapter: DawnAdapter } | null> | null = null;

/**
 * Loads Dawn once, installs its WebGPU globals (`GPUBufferUsage`, … and `navigator.gpu`)
 * and requests a high-performance adapter. Null when the package or an adapter is missing.
 */
function loadDawn(): Promise<{ gpu: DawnGPU; adapter: DawnAdapter } | null> {
  dawn ??= (async () => {
    if (!nodeProcess()) return null;
    try {
      // tfjs's webgpu package first, while `navigator.gpu` is still absent, so that it does
      // not register a factory of its own; `registerNodeWebGPU` registers one on Dawn's adapter.
      await import("@tensorflow/tfjs-backend-webgpu");
      const dawnPackage = "webgpu"; // computed: bundlers must not follow it
      const { create, globals } = (await import(/* @vite-ignore */ dawnPackage)) as unknown as { create: (flags: string[]) => DawnGPU; globals: object };
      const gpu = create([]);
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
      if (!adapter) return null;
      Object.assign(globalThis, globals);
      const g = globalThis as { navigator?: { gpu?: unknown } };
      if (g.navigator === undefined) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
      else if (!g.navigator.gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
      return { gpu, adapter };
    } catch {
      return null;
    }
  })();
  return dawn;
}

/** Dawn's adapter, described; null when Dawn or an adapter is unavailable. Loads Dawn on first call. */
export async function nodeWebGPUAdapter(): Promise<NodeWebGPUAdapter | null> {
  const loaded = await loadDawn();
  if (!loaded) return null;
  const info = loaded.adapter.info;
  const described = {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    description: info.description ?? "",
    isFallbackAdapter: Boolean(info.isFallbackAdapter),
  };
  return { ...described, hardware: isHardwareAdapter({ ...described, device: info.device ?? "" }) };
}

/**
 * Registers tfjs's `webgpu` backend on Dawn's adapter (idempotent). Returns the adapter's
 * description, or null when Dawn has no adapter (then nothing is registered).
 */
export async function registerNodeWebGPU(): Promise<NodeWebGPUAdapter | null> {
  const described = await nodeWebGPUAdapter();
  const loaded = await loadDawn();
  if (!described || !loaded) return null;
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.findBackendFactory("webgpu")) return described;
  const { adapter } = loaded;
  tf.registerBackend(
    "webgpu",
    async () => {
      // As tfjs-backend-webgpu's own factory (base.ts), on Dawn's adapter.
      const limits = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [],
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits["maxComputeWorkgroupStorageSize"],
          maxComputeWorkgroupsPerDimension: limits["maxComputeWorkgroupsPerDimension"],
          maxStorageBufferBindingSize: limits["maxStorageBufferBindingSize"],
          maxBufferSize: limits["maxBufferSize"],
          maxComputeWorkgroupSizeX: limits["maxComputeWorkgroupSizeX"],
          maxComputeInvocationsPerWorkgroup: limits["maxComputeInvocationsPerWorkgroup"],
        },
      });
      return new WebGPUBackend(device as ConstructorParameters<typeof WebGPUBackend>[0], adapter.info as unknown as ConstructorParameters<typeof WebGPUBackend>[1]);
    },
    3,
  );
  return described;
}
