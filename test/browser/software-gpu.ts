/**
 * Chromium with its software GPU: SwiftShader behind ANGLE for WebGL and behind Dawn's
 * Vulkan backend for WebGPU, headless. Used where a test needs the GPU backends (the GPU
 * scan tests, the Kernels page's benchmark); the other page tests run with the GPU off.
 */
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM } from "./harness.ts";

export const SOFTWARE_GPU_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function launchChromiumWithSoftwareGPU(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: SOFTWARE_GPU_FLAGS });
}
