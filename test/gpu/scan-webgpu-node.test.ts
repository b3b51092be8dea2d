/**
 * The WebGPU scan kernels in Node, on a software GPU: Dawn on SwiftShader's Vulkan driver
 * (`dawn.ts`). Every case of `gpu-checks.ts`, with both schedules, against the float64
 * reference, forward and every gradient; tensor memory around a forward and a gradient
 * step; the schedule "auto" picks; and the backend picker leaving a software adapter alone.
 *
 * Without the software GPU the suite is skipped with a message, except under CI (CI=…),
 * where that is a failure.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/lib/backend.ts";
import { nodeWebGPUAdapter } from "../../src/lib/webgpu-node.ts";
import { chunkedScanAvailable, fusedScanAvailable } from "../../src/kernels/selective-scan/index.ts";
import { pickSchedule } from "../../src/kernels/selective-scan/webgpu/schedule.ts";
import { useSoftwareWebGPU } from "./dawn.ts";
import { GPU_SHAPES, checkCase, leakCheck, shapeLabel, type CheckResult, type GpuShape } from "./gpu-checks.ts";

const unavailable = await useSoftwareWebGPU();
if (unavailable && !process.env.CI) console.warn(`WebGPU (Dawn) tests skipped: ${unavailable}`);

describe.runIf(unavailable !== null && process.env.CI)("WebGPU scan kernels under CI", () => {
  it("have a software GPU to run on", () => {
    throw new Error(`CI is set but the Dawn/SwiftShader GPU tests cannot run: ${unavailable}`);
  });
});

describe.skipIf(unavailable !== null)("WebGPU scan kernels on Dawn (SwiftShader)", () => {
  const worst = new Map<string, number>();
  afterAll(() => {
    // The largest |GPU − reference| per impl and output, for the record.
    const lines = [...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`);
    console.log(`max |webgpu − reference| over all cases:\n  ${lines.join("\n  ")}`);
  });
  const record = (rs: CheckResult[]) => {
    for (const r of rs) worst.set(`${r.impl} ${r.output}`, Math.max(worst.get(`${r.impl} ${r.output}`) ?? 0, r.maxAbsDiff));
  };

  it("registers fused and chunked kernels for webgpu", () => {
    expect(tf.getBackend()).toBe("webgpu");
    expect(fusedScanAvailable("webgpu")).toBe(true);
    expect(chunkedScanAvailable("webgpu")).toBe(true);
    expect(chunkedScanAvailable("cpu")).toBe(false);
  });

  describe.each(["fused", "chunked"] as const)("%s", (impl) => {
    it.each(GPU_SHAPES.map((s) => ({ s, name: shapeLabel(s) })))("$name: forward and gradients match the reference", async ({ s }) => {
      const results = await checkCase(s, impl);
      record(results);
      const bad = results.filter((r) => !r.ok);
      expect(bad.map((r) => r.message)).toEqual([]);
      expect(results.length).toBeGreaterThanOrEqual(2 + 6);
    });

    it("leaves no tensors and no GPU buffers behind", async () => {
      const r = await leakCheck(impl);
      expect(r.tensorsAfterForward).toBe(r.tensorsBefore);
      expect(r.tensorsAfterGrads).toBe(r.tensorsBefore);
      expect(r.buffersAfter).toBe(r.buffersBefore);
    });
  });

  it("kernels leak nothing inside (tfjs's per-kernel check)", async () => {
    tf.env().set("IS_TEST", true); // the engine then compares the backend's buffers before and after every kernel
    try {
      const results = await checkCase(GPU_SHAPES[3]!, "chunked");
      expect(results.every((r) => r.ok)).toBe(true);
      const fused = await checkCase(GPU_SHAPES[3]!, "fused");
      expect(fused.every((r) => r.ok)).toBe(true);
    } finally {
      tf.env().set("IS_TEST", false);
    }
  });

  it('above the WGSL kernels\' dState limit, "auto" runs the composed scan (matching the reference) and "fused" is refused by name', async () => {
    expect(fusedScanAvailable("webgpu", 256)).toBe(true);
    expect(fusedScanAvailable("webgpu", 257)).toBe(false);
    expect(chunkedScanAvailable("webgpu", 257)).toBe(false);
    const big: GpuShape = { dims: { b: 1, l: 5, d: 2, n: 300 }, z: true, seed: 21 };
    const results = await checkCase(big, "auto");
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
    await expect(checkCase(big, "fused")).rejects.toThrow('impl "fused" on backend "webgpu" takes dState ≤ 256, got 300; use "auto" or "composed"');
    await expect(checkCase(big, "chunked")).rejects.toThrow("takes dState ≤ 256, got 300");
  });

  it('"auto" chunks long sequences with few channels and walks the rest', () => {
    expect(pickSchedule("auto", { b: 1, l: 8192, d: 16, n: 16, chunk: 64 })).toBe("chunked");
    expect(pickSchedule("auto", { b: 1, l: 1024, d: 1536, n: 16, chunk: 64 })).toBe("chunked"); // 1536 invocations: too few
    expect(pickSchedule("auto", { b: 8, l: 1024, d: 1536, n: 16, chunk: 64 })).toBe("sequential");
    expect(pickSchedule("auto", { b: 2, l: 100, d: 4, n: 16, chunk: 64 })).toBe("sequential"); // two chunks: nothing to spread
    expect(pickSchedule("sequential", { b: 1, l: 8192, d: 16, n: 16, chunk: 64 })).toBe("sequential");
    expect(pickSchedule("auto", { b: 1, l: 65536, d: 1024, n: 16, chunk: 64 })).toBe("sequential"); // 4 GiB of replay scratch
  });

  it("the backend picker does not choose a software adapter on auto, but takes it when asked", async () => {
    const adapter = await nodeWebGPUAdapter();
    expect(adapter?.hardware).toBe(false);
    expect(adapter?.architecture.toLowerCase()).toContain("swiftshader");
    const lines: string[] = [];
    expect(await initBackend({ log: (l) => lines.push(l) })).not.toBe("webgpu");
    expect(await initBackend({ backend: "webgpu" })).toBe("webgpu");
  });
});
