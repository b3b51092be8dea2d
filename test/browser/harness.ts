/**
 * Browser-test plumbing: find Chromium, build the site when it is missing or older than its
 * sources, serve `dist/` on 127.0.0.1, and open pages while recording every console error,
 * page error, failed or non-local request and Observable cell error.
 */
import { spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
export const DIST = join(ROOT, "dist");
export const ARTIFACTS = join(ROOT, "test/artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)`;
}

/** Newest modification time under `path`, not following symbolic links (docs/wasm points into node_modules). */
function newestMtime(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === ".observablehq" || name === "node_modules") continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/**
 * Runs `observable build` unless dist/ is newer than everything the site is made from: pages,
 * components, loaders, the library they bundle, the data they read, the config. Framework
 * reuses a loader's cached output until the loader file itself changes, so the loader cache
 * is cleared first (as `npm run build` does).
 */
export async function ensureBuilt(log: (line: string) => void = () => {}): Promise<void> {
  const index = join(DIST, "index.html");
  const sources = ["docs", "src/lib", "src/kernels", "data/paper", "data/bench", "data/ablations", "observablehq.config.ts"].map((p) => join(ROOT, p)).filter(existsSync);
  const newest = Math.max(...sources.map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs > newest) return;
  log("building the site (observable build) …");
  const started = Date.now();
  rmSync(join(ROOT, "docs/.observablehq/cache/data"), { recursive: true, force: true });
  // Spawned, not execFileSync: a blocked event loop for the minutes a build takes makes the
  // vitest worker miss its RPC deadline ("Timeout calling onTaskUpdate") and fail the run.
  await new Promise<void>((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules/.bin/observable"), ["build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`observable build failed (${signal ?? `exit ${code}`})`))));
  });
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".csv": "text/csv; charset=utf-8",
  ".woff2": "font/woff2",
};

/**
 * A static server for dist/ with Framework's clean URLs ("/kernels" → kernels.html).
 * `notFound` lists every path it answered 404, including requests the browser makes on its
 * own (a site icon), which pages never see as a console error or a failed request.
 */
export async function serveDist(): Promise<{ url: string; notFound: string[]; close: () => Promise<void> }> {
  const notFound: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = normalize(join(DIST, path));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    if (path.endsWith("/")) file = join(file, "index.html");
    else if (!extname(file) && existsSync(`${file}.html`)) file = `${file}.html`;
    if (!existsSync(file) || !statSync(file).isFile()) {
      notFound.push(path);
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, notFound, close: () => new Promise((ok) => server.close(() => ok())) };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PageProblems {
  /** Console errors, uncaught exceptions, failed and non-local requests. */
  problems: string[];
}

/** Opens `path` of the served site; everything that goes wrong is recorded in `problems`; `loadedAt` is when its load event fired (ms). */
export async function openPage(browser: Browser, base: string, path: string): Promise<{ page: Page; loadedAt: number } & PageProblems> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const origin = new URL(base).origin;
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    problems.push(`request outside the site: ${url}`);
    return route.abort();
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (!problems.some((p) => p.includes(req.url()))) problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(`${base}${path}`, { waitUntil: "load" });
  return { page, problems, loadedAt: Date.now() };
}

/**
 * The cells still pending (Framework renders a pending cell as `<observablehq-loading>`), each
 * named by the heading above it, so a failure says where the page waits.
 */
export async function pendingCells(page: Page): Promise<string[]> {
  return page.locator("observablehq-loading").evaluateAll((els) =>
    els.map((el) => {
      let at: Element | null = el.closest(".observablehq") ?? el.parentElement;
      while (at && !/^H[1-4]$/.test(at.tagName)) at = at.previousElementSibling ?? at.parentElement;
      return `a cell under "${at?.textContent?.trim() ?? "?"}"`;
    }),
  );
}

/** Cell errors the Observable runtime rendered into the page (they need not reach the console). */
export async function cellErrors(page: Page): Promise<string[]> {
  return page.locator(".observablehq--error").allInnerTexts();
}
