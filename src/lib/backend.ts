/**
 * The one place that picks the TensorFlow.js backend.
 *
 * Order for "auto": `tensorflow` (libtensorflow through @tensorflow/tfjs-node-gpu, then
 * @tensorflow/tfjs-node — optional dependencies, used only when they load), else `webgpu`
 * in Node through Dawn when its adapter is a hardware GPU (never a software one:
 * `webgpu-node.ts`), else `wasm`, else `cpu`. Overridden by the `backend` option (CLI
 * `--backend`) or the environment variable `METEOR_BACKEND`. Our custom kernels (fused
 * selective scan, segment sum) are registered here, before the first op runs.
 */
import * as tf from "./tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerSegmentSum } from "../kernels/segment-sum/register.ts";
import { registerScanKernels } from "../kernels/selective-scan/register.ts";
import { registerWasmMatMul } from "../kernels/matmul/register-wasm.ts";
import { nativeUnavailableReason, registerNativeKernels, unregisterNativeKernels } from "../kernels/native/register.ts";
import { nodeWebGPUAdapter, registerNodeWebGPU, vulkanLikelyPresent } from "./webgpu-node.ts";

export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu", "webgl", "webgpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | "auto";

export interface InitBackendOptions {
  /** Which backend; "auto" (default) follows the order above. Env `METEOR_BACKEND` applies when absent. */
  backend?: BackendChoice;
  /** Where to say which backend was chosen and why; silent when absent. */
  log?: (line: string) => void;
  /**
   * For "auto": try exactly these backends, in this order, instead of the order above; the
   * first that initialises wins. The Train page passes `["webgpu", "webgl", "wasm", "cpu"]`
   * to prefer the browser's GPU. In Node, webgpu here means Dawn on any adapter.
   */
  order?: readonly BackendName[];
  /**
   * Register the native C kernels (matMul, selective scan) for cpu and wasm when the addon is
   * built (Node only). Default true; `METEOR_NATIVE=0` also turns them off.
   */
  native?: boolean;
}

export class BackendError extends Error {
  override name = "BackendError";
}

function parseChoice(v: string | undefined, source: string): BackendChoice | undefined {
  if (v === undefined || v === "") return undefined;
  if (v === "auto" || (BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new BackendError(`${source}: unknown backend "${v}"; choose one of auto, ${BACKEND_NAMES.join(", ")}`);
}

function envBackend(): string | undefined {
  return typeof process !== "undefined" ? process.env?.METEOR_BACKEND : undefined;
}

/** Loads libtensorflow bindings if installed; they register the "tensorflow" backend on import. */
async function loadTensorflow(): Promise<string | null> {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(/* @vite-ignore */ pkg);
      if (tf.findBackendFactory("tensorflow")) return pkg;
    } catch {
      // not installed (optional dependency dropped) or its native library failed to load
    }
  }
  return null;
}

async function trySet(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Picks and initialises the backend, registers the project's kernels, and returns the
 * backend's name. An explicit choice that cannot be initialised is an error (never a
 * silent fallback); "auto" falls back down the order.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  const log = options.log ?? (() => {});
  const fromEnv = parseChoice(envBackend(), "METEOR_BACKEND");
  const choice = options.backend ?? fromEnv ?? "auto";
  const source = options.backend ? "option" : fromEnv ? "METEOR_BACKEND" : "auto";
  tf.env().set("PROD", true);
  registerSegmentSum();
  registerScanKernels();
  registerWasmMatMul();
  if (options.native ?? true) {
    const native = registerNativeKernels();
    log(
      native
        ? `kernels: native C for cpu and wasm (${native.threads} OpenMP thread${native.threads === 1 ? "" : "s"}, ${native.simdBits}-bit SIMD)`
        : `kernels: JS (native addon ${nativeUnavailableReason()})`,
    );
  } else {
    unregisterNativeKernels();
    log("kernels: JS (native kernels not requested)");
  }

  if (choice !== "auto") {
    if (choice === "tensorflow" && !(await loadTensorflow())) {
      throw new BackendError(
        "backend tensorflow requested but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded",
      );
    }
    if (choice === "webgpu") await registerNodeWebGPU(); // Node: Dawn's adapter, whatever it is; browsers register their own
    if (!(await trySet(choice))) throw new BackendError(`backend ${choice} requested (${source}) but failed to initialise`);
    log(`backend: ${choice} (${source})`);
    return choice;
  }
  if (options.order) {
    for (const name of options.order) {
      if (name === "tensorflow" && !(await loadTensorflow())) continue;
      if (name === "webgpu") await registerNodeWebGPU(); // Node: Dawn's adapter; browsers register their own
      if (await trySet(name)) {
        log(`backend: ${name} (first of ${options.order.join(", ")} to initialise)`);
        return name;
      }
    }
    throw new BackendError(`none of the backends ${options.order.join(", ")} could be initialised`);
  }
  const pkg = await loadTensorflow();
  if (pkg && (await trySet("tensorflow"))) {
    log(`backend: tensorflow (auto, via ${pkg})`);
    return "tensorflow";
  }
  const gpu = vulkanLikelyPresent() ? await nodeWebGPUAdapter() : null;
  if (gpu?.hardware && (await registerNodeWebGPU()) && (await trySet("webgpu"))) {
    log(`backend: webgpu (auto, Dawn on ${gpu.description || gpu.vendor})`);
    return "webgpu";
  }
  for (const name of ["wasm", "cpu"] as const) {
    if (await trySet(name)) {
      log(`backend: ${name} (auto${name === "wasm" ? "; tfjs-node not installed" : "; wasm failed to load"})`);
      return name;
    }
  }
  throw new BackendError("no TensorFlow.js backend could be initialised (tried tensorflow, wasm, cpu)");
}
