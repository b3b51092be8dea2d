/**
 * The notebook in a real browser (Debian's Chromium through playwright-core): the site is
 * built when dist/ is missing or stale, served from 127.0.0.1, and every page listed in
 * observablehq.config.ts must load with no console error, no uncaught exception, no failed
 * or off-site request and no cell error. Each page's main control is then used and the page
 * must change the way the library says it should. Screenshots go to test/artifacts/.
 *
 * Without Chromium the suite is skipped with a message, except under CI (CI=…), where a
 * missing browser is a failure.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../../observablehq.config.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { Tokenizer, generateDataset, placeTor } from "../../src/lib/data/index.ts";
import { renderImage } from "../../src/lib/data/render-node.ts";
import { loadCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";
import type { BatchItem } from "../../src/lib/meteor/batch.ts";
import { torSimilarity } from "../../src/lib/train/tor-similarity.ts";
import { countMeteorParams, meteorPreset } from "../../src/lib/meteor/config.ts";
import { formatCount } from "../../docs/components/cost.ts";
import { FACTOR_NAMES } from "../../src/lib/ablation/factors.ts";
import { factorVerdict, type AblationReport } from "../../src/lib/ablation/report.ts";
import { summarizeVerdicts } from "../../src/lib/ablation/verdict.ts";
import { generate } from "../../src/lib/meteor/generate.ts";
import { structureParams } from "../../src/lib/meteor/params.ts";
import { ARTIFACTS, ROOT, browserUnavailable, cellErrors, ensureBuilt, launchChromium, openPage, pendingCells, serveDist } from "./harness.ts";
import { launchChromiumWithSoftwareGPU } from "./software-gpu.ts";

const CHECKPOINT = join(ROOT, "data/checkpoints/study-meteor");

/** The Inside Mamba page's Fig. 4 statistic, computed in Node on the same 16 test probes. */
async function nodeTorSimilarity(): Promise<{ diagonal: number; offDiagonal: number }> {
  await initBackend({ backend: "cpu" });
  const ckpt = await loadCheckpoint(CHECKPOINT);
  try {
    const training = ckpt.training as { dataSeed?: number; placement?: "even" | "start" | "end" | "random" };
    const place = (r: string) => placeTor(r, { count: ckpt.config.numTor, placement: training.placement ?? "even" });
    const items: BatchItem[] = [];
    for (const s of generateDataset({ n: 16, split: "test", seed: training.dataSeed ?? 0 })) {
      if (place(s.rationale) === null) continue;
      items.push(s.image ? { sample: s, pixels: (await renderImage(s.image, { size: ckpt.config.vision.imageSize })).pixels } : { sample: s });
    }
    return torSimilarity(ckpt.config, ckpt.params, Tokenizer.fromJSON(ckpt.tokenizer), items, { placeTor: place });
  } finally {
    Object.values(ckpt.params).forEach((t) => t.dispose());
  }
}

/**
 * What the Ask page should say on opening and after pressing Ask on its default sample (the
 * checkpoint's first test probe, as the page's loader picks it): the question and correct
 * answer, and the greedy and 3-beam answers computed in Node (cpu) on the same pixels.
 */
async function nodeDefaultAnswers(): Promise<{ question: string; answer: string; greedy: string; beam3: string; blankGreedy: string; answers: Record<string, string> }> {
  await initBackend({ backend: "cpu" });
  const ckpt = await loadCheckpoint(CHECKPOINT);
  try {
    const training = ckpt.training as { dataSeed?: number };
    const probes = generateDataset({ n: 16, split: "test", seed: training.dataSeed ?? 0 });
    const probe = probes[0];
    const tokenizer = Tokenizer.fromJSON(ckpt.tokenizer);
    const params = structureParams(ckpt.params);
    // the page feeds bytes / 255, as the loader rounds them
    const pixels = probe!.image ? Float32Array.from((await renderImage(probe!.image, { size: ckpt.config.vision.imageSize })).pixels, (p) => Math.round(p * 255) / 255) : undefined;
    const item = { sample: { question: probe!.question, rationale: "", answer: "" }, ...(pixels ? { pixels } : {}) };
    const say = async (beams: number, it = item) => tokenizer.decode((await generate(params, ckpt.config, tokenizer, it, { system: "meteor", beams, maxTokens: 16 })).ids);
    const answers = Object.fromEntries(probes.map((p) => [p.id, p.answer]));
    const blank = pixels ? { ...item, pixels: new Float32Array(pixels.length).fill(1) } : item;
    return { question: probe!.question, answer: probe!.answer, greedy: await say(1), beam3: await say(3), blankGreedy: await say(1, blank), answers };
  } finally {
    Object.values(ckpt.params).forEach((t) => t.dispose());
  }
}

/** A page settles when no cell is pending this long after its load event. */
const SETTLE_MS = 15_000;

/** The models with the lowest and highest reported score in one column of a paper CSV. */
function extremes(file: string, column: string): { lowest: string; highest: string } {
  const [header, ...rows] = readFileSync(join(ROOT, "data/paper", file), "utf8").trim().split(/\r?\n/).map((l) => l.split(","));
  const j = header!.indexOf(column);
  const scored = rows.filter((r) => !["-", "?"].includes(r[j]!)).sort((a, b) => Number(a[j]) - Number(b[j]));
  return { lowest: scored[0]![0]!, highest: scored[scored.length - 1]![0]! };
}

const unavailable = browserUnavailable();
if (unavailable && !process.env.CI) console.warn(`browser tests skipped: ${unavailable}`);

describe.runIf(unavailable !== null && process.env.CI)("notebook pages under CI", () => {
  it("have a Chromium to run in", () => {
    throw new Error(`CI is set but the browser tests cannot run: ${unavailable}`);
  });
});

describe.skipIf(unavailable !== null)("notebook pages in Chromium", () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveDist>>;

  beforeAll(async () => {
    await ensureBuilt((line) => console.log(line));
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await serveDist();
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens a page, runs `interact`, then asserts nothing went wrong and saves a screenshot. */
  async function check(
    path: string,
    name: string,
    interact: (page: Page, loadedAt: number) => Promise<void> = async () => {},
    on: Browser = browser,
  ): Promise<void> {
    const { page, problems, loadedAt } = await openPage(on, server.url, path);
    try {
      await page.waitForSelector("#observablehq-main h1", { timeout: 30_000 });
      await interact(page, loadedAt);
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      expect(await cellErrors(page), "cell errors").toEqual([]);
      expect(problems, "console errors and failed requests").toEqual([]);
      expect(server.notFound, "paths the server did not have (since the browser started)").toEqual([]);
    } finally {
      await page.close();
    }
  }

  const pages = (config.pages as { name: string; path: string }[]).map((p) => p.path);

  it.each(pages)(`%s settles on load with no input: within ${SETTLE_MS / 1000} s no cell is pending, no console or page error, no failed request`, async (path) => {
    await check(path, path === "/" ? "index" : path.slice(1).replaceAll("/", "-"), async (page, loadedAt) => {
      const left = () => Math.max(1, loadedAt + SETTLE_MS - Date.now());
      await expect.poll(() => pendingCells(page), { timeout: left(), interval: 250 }).toEqual([]);
    });
  }, 120_000);

  it("A fresh browser asks for no file the site lacks: every page names its icon, so there is no /favicon.ico request", async () => {
    // Without request interception: with it (openPage) Chromium does not fetch icons at all.
    const fresh = await launchChromium();
    try {
      const page = await fresh.newPage();
      const icons: Record<string, string | null> = {};
      for (const path of pages) {
        await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
        icons[path] = await page.evaluate(() => document.querySelector('head link[rel="icon"]')?.getAttribute("href") ?? null);
      }
      expect(server.notFound).toEqual([]);
      for (const [path, href] of Object.entries(icons)) expect(href, path).toMatch(/^data:image\/svg\+xml;base64,/);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it("Overview: the preset selector redraws the diagram and the sizes from the config", async () => {
    await check("/", "index-tiny", async (page) => {
      const diagram = page.locator('svg[aria-label^="Meteor architecture"]');
      await diagram.waitFor();
      // Meteor-7B at 490 px: 1225 CLIP-L patches of width 1024.
      expect(await diagram.locator("text.shape").allTextContents()).toContain("[b, 1225, 1024]");
      const before = await diagram.innerHTML();
      await page.getByLabel("tiny", { exact: true }).check();
      await expect.poll(() => diagram.innerHTML()).not.toBe(before);
      const tiny = meteorPreset("tiny");
      expect(await diagram.locator("text.shape").allTextContents()).toContain(`[b, ${tiny.vision.numPatches}, ${tiny.vision.dModel}]`);
      const selected = page.locator(".card.selected");
      await expect.poll(() => selected.getAttribute("data-preset")).toBe("tiny");
      expect(await selected.locator(".big").innerText()).toBe(formatCount(countMeteorParams(tiny).total));
    });
  }, 120_000);

  it("Data explorer: family, placement and count follow placeTor", async () => {
    await check("/data-explorer", "data-explorer-chart-start-5", async (page) => {
      const cards = page.locator("#samples .sample");
      await cards.first().waitFor();
      expect(await cards.count()).toBe(12);
      expect(await cards.first().getAttribute("data-id")).toMatch(/^math-vision-train-/);
      await page.getByLabel("chart", { exact: true }).check();
      await expect.poll(async () => cards.first().getAttribute("data-id")).toMatch(/^chart-train-/);
      await page.getByLabel("start", { exact: true }).check();
      await page.getByLabel("5", { exact: true }).check();
      await expect.poll(() => cards.first().locator("mark.tor").count()).toBe(5);
      // The card shows exactly the library's placement: all five <tor> before the first word.
      const first = cards.first();
      const rationale = (await first.locator(".rationale").innerText()).replace(/<tor\d+>/g, "<tor>");
      const plain = rationale.replaceAll("<tor>", " ").trim().replace(/\s+/g, " ");
      expect(rationale.replace(/\s+/g, " ")).toBe(placeTor(plain, { count: 5, placement: "start" }));
    });
  }, 120_000);

  it("Benchmarks: every table has a chart, missing scores stay missing, sorting reorders", async () => {
    await check("/benchmarks", "benchmarks-sorted", async (page) => {
      const sections = page.locator(".score-section");
      await expect.poll(() => sections.count()).toBe(6);
      for (let i = 0; i < 6; i++) expect(await sections.nth(i).locator("svg").count()).toBeGreaterThan(0);
      const open7b = page.locator('.score-section[data-table="scores-7b-open"]');
      // Missing values are drawn as – / ?, never as zero.
      const labels = await open7b
        .locator("svg text")
        .evaluateAll((ts) => ts.map((t) => Array.from(t.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("")));
      const cells = readFileSync(join(ROOT, "data/paper/scores-7b-open.csv"), "utf8").trim().split(/\r?\n/).slice(1).flatMap((l) => l.split(",").slice(1));
      expect(labels.filter((x) => x === "–").length).toBe(cells.filter((c) => c === "-").length);
      expect(labels.filter((x) => x === "?").length).toBe(cells.filter((c) => c === "?").length);
      expect(labels.filter((x) => Number(x) === 0)).toEqual([]);
      const firstModel = () => open7b.locator("table tbody tr").first().locator("td").nth(1).innerText();
      expect(await firstModel()).toBe("BLIP2-13B");
      const { lowest, highest } = extremes("scores-7b-open.csv", "MMB");
      expect(highest).toBe("Meteor-7B");
      const mmb = open7b.locator("table thead th", { hasText: /^.?MMB$/ });
      await mmb.click(); // ascending
      await expect.poll(firstModel).toBe(lowest);
      await mmb.click(); // descending
      await expect.poll(firstModel).toBe(highest);
    });
  }, 120_000);

  it("Ablations: every factor shows our intervals (or 'no results yet') beside the paper's row, with the verdict the library computes", async () => {
    const file = join(ROOT, "data/ablations/tiny.json");
    const report = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as AblationReport) : null;
    const studyFile = join(ROOT, "data/ablations/study.json");
    const study = existsSync(studyFile) ? (JSON.parse(readFileSync(studyFile, "utf8")) as AblationReport) : null;
    await check("/ablations", "ablations", async (page) => {
      // the study leads: one table row per paired comparison, or a line saying how to make it
      if (study) {
        // (polled: the section appears once the page's data loader has answered)
        await expect.poll(() => page.locator("section#study table.paired tbody tr").count(), { timeout: 30_000 }).toBe(study.comparisons.length);
        // then one row per family and tier, each with the report's template prior
        for (const x of study.scopes ?? []) {
          const row = page.locator(`section#study table.scopes tr[data-scope="${x.kind}:${x.name}"]`);
          expect(await row.locator("td").nth(2).innerText()).toBe(x.prior === null ? "–" : `${(100 * x.prior).toFixed(1)}%`);
        }
      } else await page.getByText("No study report committed yet").waitFor({ timeout: 30_000 });
      const sections = page.locator("section.factor");
      // a report written before the baselines factor existed has six
      const names = report ? report.factors.map((f) => f.name) : FACTOR_NAMES;
      await expect.poll(() => sections.count()).toBe(names.length);
      for (const name of names) {
        const section = page.locator(`section.factor[data-factor="${name}"]`);
        expect(await section.locator(".card.paper svg").count(), `${name}: the paper's chart`).toBeGreaterThan(0);
        const f = report?.factors.find((x) => x.name === name);
        if (!f || f.verdict.outcome === "no-results") {
          expect(await section.locator(".no-results").innerText()).toBe("No results yet for this factor.");
          continue;
        }
        // the sentence is the library's, from the report's numbers
        const again = factorVerdict(f);
        expect(again.sentence).toBe(f.verdict.sentence);
        expect(await section.locator(".verdict").innerText()).toBe(f.verdict.sentence);
        expect(await section.getAttribute("data-outcome")).toBe(f.verdict.outcome);
        // one interval per variant and scope with at least two seeds, one mean per variant and scope with any
        const stats = f.variants.flatMap((v) => [v.overall, ...Object.values(v.families)]);
        expect(await section.locator(".card.ours g.interval line").count()).toBe(stats.filter((x) => x.ci95 !== null).length);
        expect(await section.locator(".card.ours g.mean circle").count()).toBe(stats.filter((x) => x.n > 0).length);
      }
      const status = page.locator("p.status");
      expect(Number(await status.getAttribute("data-total"))).toBe(report?.cellsTotal ?? 54);
      // the summary is the library's, recomputed from the factors' verdicts
      if (report) {
        const verdicts = report.factors.map((f) => ({ title: f.title, verdict: factorVerdict(f) }));
        expect(await page.locator("#summary").innerText()).toBe(`In short: ${summarizeVerdicts(verdicts).sentence}`);
      }
    });
  }, 120_000);

  it.skipIf(!existsSync(join(CHECKPOINT, "latest.json")))(
    "Inside Mamba: the checkpoint opens in the browser, the sample selector changes the <tor> states, Fig. 4 matches Node",
    async () => {
      const expected = await nodeTorSimilarity();
      await check("/inside-mamba", "inside-mamba-sample", async (page) => {
        await page.locator("#checkpoint[data-checkpoint]").waitFor({ timeout: 60_000 });
        const similarity = page.locator("#similarity");
        await similarity.waitFor({ timeout: 60_000 });
        // Same checkpoint, same probes, wasm in the browser vs cpu in Node.
        expect(Number(await similarity.getAttribute("data-diagonal"))).toBeCloseTo(expected.diagonal, 3);
        expect(Number(await similarity.getAttribute("data-off-diagonal"))).toBeCloseTo(expected.offDiagonal, 3);
        const states = page.locator("#tor-states");
        const before = await states.getAttribute("data-cosine");
        await page.getByLabel("Test sample").selectOption("chart-test-0-0");
        await expect.poll(() => page.locator("#probe").getAttribute("data-id")).toBe("chart-test-0-0");
        await expect.poll(() => states.getAttribute("data-cosine")).not.toBe(before);
      });
    },
    180_000,
  );

  it.skipIf(!existsSync(join(CHECKPOINT, "latest.json")))(
    "Ask: on opening, the default sample's image and question and an enabled Ask; Ask gives Node's greedy and 3-beam answers, the <tor> features and the attention chart; then another sample; a non-image upload is refused",
    async () => {
      const expected = await nodeDefaultAnswers();
      await check("/ask", "ask-answer", async (page) => {
        await page.locator("#checkpoint[data-checkpoint]").waitFor({ timeout: 60_000 });
        // The user's path: nothing touched, the default sample is ready to ask.
        await page.locator('#image[data-source="sample"] img').waitFor({ timeout: 30_000 });
        await expect.poll(() => page.getByLabel("Question").inputValue()).toBe(expected.question);
        const askButton = page.getByRole("button", { name: "Ask" });
        expect(await askButton.isEnabled()).toBe(true);
        await askButton.click();
        const answer = page.locator("#answer");
        await answer.waitFor({ timeout: 90_000 });
        // Same checkpoint and pixels: wasm in the browser, cpu in Node.
        expect(await answer.getAttribute("data-greedy")).toBe(expected.greedy);
        expect(await answer.getAttribute("data-beam3")).toBe(expected.beam3);
        expect(await answer.innerText()).toContain(`Correct answer: ${expected.answer}`);
        const attention = page.locator("#attention");
        expect(Number(await attention.getAttribute("data-positions"))).toBeGreaterThan(10);
        expect(await attention.locator("svg rect").count()).toBeGreaterThan(10);
        expect(await page.locator("#tor-features svg rect").count()).toBeGreaterThan(0);
        // Resizing the window keeps the question and the answer (the question once followed `width`).
        const size = page.viewportSize()!;
        await page.setViewportSize({ width: size.width - 300, height: size.height });
        await page.waitForTimeout(1000);
        expect(await answer.count()).toBe(1);
        await page.setViewportSize(size);
        await page.screenshot({ path: join(ARTIFACTS, "ask-answered.png"), fullPage: true });
        expect(await answer.getAttribute("data-images")).toBe("real");
        // One click asks the same question with a blank image (Node's answer on white pixels).
        await page.getByLabel("blank").check();
        await askButton.click();
        await expect.poll(() => page.locator("#answer").getAttribute("data-images"), { timeout: 90_000 }).toBe("blank");
        expect(await page.locator("#answer").getAttribute("data-greedy")).toBe(expected.blankGreedy);
        await page.getByLabel("real").check();
        // Another sample: its question, and Ask answers it.
        await page.getByLabel("Test sample").selectOption("chart-test-0-0");
        await expect.poll(() => page.getByLabel("Question").inputValue()).not.toBe(expected.question);
        await expect.poll(() => answer.count()).toBe(0); // a new question clears the old answer
        await askButton.click();
        await answer.waitFor({ timeout: 90_000 });
        expect(await answer.innerText()).toContain(`Correct answer: ${expected.answers["chart-test-0-0"]}`);
        // Uploading something that is not an image shows a message, not an error.
        await page.locator("#upload").setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not a png") });
        await expect.poll(() => page.locator("#upload-error").count()).toBe(1);
        expect(await askButton.isDisabled()).toBe(true);
      });
    },
    240_000,
  );

  it("Train: on wasm, Start trains a micro Meteor step by step, Pause stops it, the loss chart has the points and the checkpoint downloads", async () => {
    await check("/train", "train-paused", async (page) => {
      const session = page.locator("#session[data-backend]");
      await session.waitFor({ timeout: 60_000 });
      // this browser has its GPU off: "auto" passes WebGPU by, to WebGL where SwiftShader stands in for one, else wasm
      expect(["webgl", "wasm"]).toContain(await session.getAttribute("data-backend"));
      await page.getByLabel("Backend").selectOption("wasm");
      await expect.poll(() => page.locator("#session").getAttribute("data-backend"), { timeout: 60_000 }).toBe("wasm");
      const chart = page.locator("#loss-chart");
      const points = async () => Number(await chart.getAttribute("data-points"));
      expect(await points()).toBe(0);
      await page.getByLabel("Steps per stage").first().fill("5"); // 15 steps in all, validated at each stage's end
      await page.getByLabel("Steps per stage").first().dispatchEvent("input");
      await expect.poll(() => page.locator("#session").innerText()).toMatch(/ 15 steps/);
      await page.locator("#start").click();
      await expect.poll(points, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
      await page.locator("#start").click(); // Pause
      await expect.poll(() => page.locator("#start").innerText()).toBe("Start");
      const paused = await points();
      await page.waitForTimeout(500);
      expect(await points()).toBe(paused);
      expect(await chart.locator("svg path").count()).toBeGreaterThan(0);
      expect(await page.locator("#train-status").innerText()).toMatch(/loss \d/);
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
      const bundle = JSON.parse(readFileSync(await download.path(), "utf8")) as { step: number; files: Record<string, string> };
      expect(bundle.step).toBe(paused);
      expect(Object.keys(bundle.files).sort()).toEqual(["config.json", "model.safetensors", "optimizer.safetensors", "state.json", "tokenizer.json"]);
      // Resume to the end: a validation at each stage's end, the last one scoring answers
      await page.locator("#start").click();
      await expect.poll(() => page.locator("#start").innerText(), { timeout: 120_000 }).toBe("Finished");
      expect(await points()).toBe(15);
      const validation = page.locator("#validation-chart");
      expect(await validation.getAttribute("data-points")).toBe("3");
      expect(await validation.getAttribute("data-accuracy-points")).toBe("1");
      expect(await validation.locator(":scope > div > *").count()).toBe(2); // the loss plot (a figure, with its legend) and the accuracy plot
      expect(await validation.innerText()).toMatch(/\d+% of 48/);
      // resizing the window keeps the run and its charts (the training cell must not depend on Framework's width)
      await page.setViewportSize({ width: 900, height: 900 });
      await page.waitForTimeout(500);
      expect(await page.locator("#start").innerText()).toBe("Finished");
      expect(await points()).toBe(15);
    });
  }, 180_000);

  it("Train on a GPU: with WebGPU and WebGL present (SwiftShader), auto trains on WebGPU, and the backend menu switches to WebGL", async () => {
    const gpuBrowser = await launchChromiumWithSoftwareGPU();
    try {
      await check(
        "/train",
        "train-webgpu",
        async (page) => {
          const session = page.locator("#session[data-backend]");
          await session.waitFor({ timeout: 60_000 });
          expect(await session.getAttribute("data-backend")).toBe("webgpu");
          const chart = page.locator("#loss-chart");
          const points = async () => Number(await chart.getAttribute("data-points"));
          await page.locator("#start").click();
          // a software GPU compiles every pipeline on the first steps: minutes on two busy cores
          await expect.poll(points, { timeout: 300_000 }).toBeGreaterThanOrEqual(2);
          await page.locator("#start").click(); // Pause
          await expect.poll(() => page.locator("#start").innerText(), { timeout: 60_000 }).toBe("Start");
          expect(await page.locator("#train-status").innerText()).toMatch(/loss \d.* ms\/step on webgpu/);
          await page.getByLabel("Backend").selectOption("webgl");
          await expect.poll(() => page.locator("#session").getAttribute("data-backend"), { timeout: 60_000 }).toBe("webgl");
          expect(await points()).toBe(0); // a fresh model on the new backend
        },
        gpuBrowser,
      );
    } finally {
      await gpuBrowser.close();
    }
  }, 480_000);

  it("Kernels: the browser gets a backend and the scan benchmark runs every kernel this browser has (SwiftShader WebGPU and WebGL, wasm, cpu), each agreeing with the reference", async () => {
    const gpuBrowser = await launchChromiumWithSoftwareGPU();
    try {
      await check(
        "/kernels",
        "kernels-run",
        async (page) => {
          const backend = page.locator("#backend");
          await backend.waitFor({ timeout: 60_000 });
          expect(await backend.getAttribute("data-backend")).toBe("wasm");
          // The committed Node benchmarks against peers: a throughput chart, time and memory vs L.
          if (existsSync(join(ROOT, "data/bench/train.json"))) expect(await page.locator("#train-bench svg").count()).toBeGreaterThan(0);
          if (existsSync(join(ROOT, "data/bench/scaling.json"))) expect(await page.locator("#scaling-bench svg").count()).toBeGreaterThanOrEqual(2);
          // the training-step profile: one stacked bar per profiled run (main, composed, fused)
          if (existsSync(join(ROOT, "data/bench/profile.json"))) expect(await page.locator("#profile-bench svg [aria-label='bar'] rect").count()).toBeGreaterThanOrEqual(3 * 5);
          if (existsSync(join(ROOT, "data/bench/soak.json"))) expect(await page.locator("#soak-bench svg").count()).toBeGreaterThanOrEqual(2);
          await page.getByRole("button", { name: "Run scan benchmark" }).click();
          const micro = page.locator("#micro[data-rows]");
          await micro.waitFor({ timeout: 150_000 });
          const rows = await micro.locator("table tbody tr").allInnerTexts();
          const kernels = rows.map((r) => r.split("\t").slice(1, 3).join(" "));
          expect(kernels).toEqual(["reference js", "fused webgpu", "chunked webgpu", "fused webgl", "fused wasm", "fused cpu", "composed wasm"]);
          expect(await micro.getAttribute("data-rows")).toBe(String(kernels.length));
          for (const r of rows) expect(r.trim().endsWith("✓"), r).toBe(true);
        },
        gpuBrowser,
      );
    } finally {
      await gpuBrowser.close();
    }
  }, 240_000);
});
