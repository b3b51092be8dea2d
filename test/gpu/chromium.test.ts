/**
 * The GPU backends in headless Chromium (Debian's, through playwright-core) on SwiftShader:
 * - the scan kernels, WebGPU (fused and chunked schedules) and WebGL: every case of
 *   `gpu-checks.ts` against the float64 reference, forward and all gradients, computed in
 *   the page and asserted here; plus tensor memory around a forward and a gradient step;
 * - the whole training graph, WebGPU and WebGL: a micro Meteor trained in the page must
 *   follow the trajectory the same code gives on cpu here (`train-checks.ts`).
 *
 * The checks are bundled with esbuild (`browser-entry.ts`) into a temporary directory
 * served on 127.0.0.1 (WebGPU needs a secure context; localhost is one). Without Chromium
 * the suite is skipped with a message, except under CI (CI=…), where that is a failure; so
 * is a Chromium that offers no WebGPU or WebGL adapter.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserUnavailable } from "../browser/harness.ts";
import { launchChromiumWithSoftwareGPU } from "../browser/software-gpu.ts";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { microData } from "../meteor/fixtures.ts";
import type { CheckResult, ForwardMemory, LeakReport } from "./gpu-checks.ts";
import { toPayload, trainTrajectory, trajectoryDifferences, trajectorySummary, type Trajectory, type TrainPayload } from "./train-checks.ts";
import type * as Entry from "./browser-entry.ts";

const unavailable = browserUnavailable();
if (unavailable && !process.env.CI) console.warn(`Chromium GPU tests skipped: ${unavailable}`);

describe.runIf(unavailable !== null && process.env.CI)("GPU scan kernels in Chromium under CI", () => {
  it("have a Chromium to run in", () => {
    throw new Error(`CI is set but the Chromium GPU tests cannot run: ${unavailable}`);
  });
});

type Checks = typeof Entry;
declare global {
  interface Window {
    checks: Checks;
  }
}

/** The checks bundle (`browser-entry.ts`) served on 127.0.0.1 (WebGPU needs a secure context) and opened in Chromium. */
async function openChecksPage(problems: string[]): Promise<{ browser: Browser; page: Page; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "meteor-gpu-"));
  await build({
    entryPoints: [join(import.meta.dirname, "browser-entry.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    outfile: join(dir, "checks.js"),
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>GPU checks</title><script type="module">import * as checks from "./checks.js"; window.checks = checks; document.title = "ready";</script>`);
  const server: Server = createServer((req, res) => {
    const file = req.url === "/checks.js" ? "checks.js" : "index.html";
    res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" });
    res.end(readFileSync(join(dir, file)));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const browser = await launchChromiumWithSoftwareGPU();
  const page = await browser.newPage();
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => document.title === "ready", undefined, { timeout: 60_000 });
  return {
    browser,
    page,
    async close() {
      await browser.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Why `backend` cannot run in the page (no WebGPU adapter, no WebGL2), or null. */
function gpuMissing(page: Page, backend: "webgpu" | "webgl"): Promise<string | null> {
  return page.evaluate(async (backend) => {
    if (backend === "webgl") return document.createElement("canvas").getContext("webgl2") ? null : "no WebGL2 context";
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    return !gpu ? "navigator.gpu is missing" : adapter ? null : "no WebGPU adapter";
  }, backend);
}

describe.skipIf(unavailable !== null)("GPU scan kernels in Chromium (SwiftShader)", () => {
  let page: Page;
  let close: () => Promise<void>;
  const problems: string[] = [];
  /** Why a backend cannot run in this Chromium (no WebGPU adapter, no WebGL2), by name. */
  const missing: Record<string, string | null> = {};

  beforeAll(async () => {
    ({ page, close } = await openChecksPage(problems));
    for (const b of ["webgpu", "webgl"] as const) missing[b] = await gpuMissing(page, b);
  }, 180_000);

  afterAll(async () => {
    await close?.();
  });

  const worst = new Map<string, number>();
  afterAll(() => {
    const lines = [...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`);
    if (lines.length) console.log(`max |GPU − reference| in Chromium over all cases:\n  ${lines.join("\n  ")}`);
  });

  const runs: { backend: "webgpu" | "webgl"; impl: "fused" | "chunked" }[] = [
    { backend: "webgpu", impl: "fused" },
    { backend: "webgpu", impl: "chunked" },
    { backend: "webgl", impl: "fused" },
  ];

  it.for(runs)("$backend $impl: every case matches the reference, forward and gradients", { timeout: 300_000 }, async ({ backend, impl }, ctx) => {
    const why = missing[backend];
    if (why && process.env.CI) throw new Error(`CI is set but Chromium offers no ${backend}: ${why}`);
    if (why) {
      console.warn(`Chromium ${backend} tests skipped: ${why}`);
      ctx.skip();
    }
    const out = await page.evaluate(
      async ({ backend, impl }) => {
        const name = await window.checks.initBackend({ backend });
        const results = await window.checks.checkAll(impl);
        const leak = await window.checks.leakCheck(impl);
        const memory = await window.checks.forwardMemory(impl);
        return { name, results, leak, memory, chunked: window.checks.chunkedScanAvailable(), fused: window.checks.fusedScanAvailable() };
      },
      { backend, impl },
    );
    expect(out.name).toBe(backend);
    expect(out.fused).toBe(true);
    expect(out.chunked).toBe(backend === "webgpu");
    const results: CheckResult[] = out.results;
    for (const r of results) worst.set(`${r.backend} ${r.impl} ${r.output}`, Math.max(worst.get(`${r.backend} ${r.impl} ${r.output}`) ?? 0, r.maxAbsDiff));
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
    const leak: LeakReport = out.leak;
    expect(leak.tensorsAfterForward).toBe(leak.tensorsBefore);
    expect(leak.tensorsAfterGrads).toBe(leak.tensorsBefore);
    expect(leak.buffersAfter).toBe(leak.buffersBefore);
    // Inference keeps no per-step state: at its peak the forward holds its outputs and at most chunk checkpoints.
    const memory: ForwardMemory = out.memory;
    expect(memory.peakNewBytes).toBeGreaterThanOrEqual(memory.outputBytes);
    expect(memory.peakNewBytes).toBeLessThan(memory.outputBytes + memory.everyStateBytes / 4);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(unavailable !== null)("Meteor training in Chromium (SwiftShader)", () => {
  let page: Page;
  let close: () => Promise<void>;
  let payload: TrainPayload;
  let cpu: Trajectory;
  const problems: string[] = [];

  beforeAll(async () => {
    ({ page, close } = await openChecksPage(problems));
    const { items, tokenizer } = await microData(12);
    payload = toPayload(items, tokenizer);
    await initBackend({ backend: "cpu" });
    cpu = await trainTrajectory(payload);
    expect(tf.getBackend()).toBe("cpu");
  }, 240_000);
  afterAll(async () => {
    await close?.();
  });

  it.for(["webgpu", "webgl"] as const)("%s: a micro Meteor follows its cpu trajectory through all three stages", { timeout: 300_000 }, async (backend, ctx) => {
    const why = await gpuMissing(page, backend);
    if (why && process.env.CI) throw new Error(`CI is set but Chromium offers no ${backend}: ${why}`);
    if (why) {
      console.warn(`Chromium ${backend} training test skipped: ${why}`);
      ctx.skip();
    }
    const got: Trajectory = await page.evaluate(
      async ({ backend, payload }) => {
        await window.checks.initBackend({ backend });
        // both GPU backends run ops on small CPU-resident tensors on the CPU; off, so every op is a GPU kernel
        window.checks.tf.env().set(backend === "webgpu" ? "WEBGPU_CPU_FORWARD" : "WEBGL_CPU_FORWARD", false);
        return window.checks.trainTrajectory(payload);
      },
      { backend, payload },
    );
    console.log(trajectorySummary(got, cpu));
    expect(got.backend).toBe(backend);
    expect(trajectoryDifferences(got, cpu)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
