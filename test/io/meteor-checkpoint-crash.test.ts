/**
 * Crash safety for real: a child process saves checkpoints in a loop and is SIGKILLed at
 * seeded random moments. After every kill, `loadCheckpoint(runDir)` must give a complete
 * model, bit for bit one of the two saved variants, at a step no earlier than before; and
 * every directory with a `step-` name must load as well. The next child starts by
 * re-saving the step latest.json names, so kills also land inside the replacement swap.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { METEOR_PRESETS, resolveMeteorConfig, type MeteorConfigInput } from "../../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../../src/lib/meteor/params.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import type { AdamWState } from "../../src/lib/train/adamw.ts";
import { loadCheckpoint, saveCheckpoint, serializeCheckpoint, type MeteorCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";

const KILLS = 24;
/** Kill delays are uniform in [0, MAX_DELAY_MS) after the child is told to go: about ten saves. */
const MAX_DELAY_MS = 250;
const CHILD = fileURLToPath(new URL("./meteor-checkpoint-crash-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const INPUT: MeteorConfigInput = { ...METEOR_PRESETS.tiny, vocabSize: 40 };
const bits = (t: tf.Tensor): Buffer => Buffer.from(new Float32Array(t.dataSync()).buffer);

let work: string;
/** A checkpoint whose tensors are tensors (not host copies). */
type Variant = MeteorCheckpoint & { params: Record<string, tf.Tensor>; optimizer: AdamWState };
const variants: Record<"A" | "B", Variant> = {} as Record<"A" | "B", Variant>;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  work = mkdtempSync(join(tmpdir(), "meteor-ckpt-crash-"));
  childScript = transpileForNode(CHILD, join(work, "child"));
  const cfg = resolveMeteorConfig(INPUT);
  for (const [variant, seed] of [["A", 1], ["B", 2]] as const) {
    const params = initMeteorVariables(cfg, seed);
    const optimizer: AdamWState = { step: seed, m: {}, v: {} };
    for (const name of Object.keys(params).filter((n) => n.startsWith("tor_proj."))) {
      optimizer.m[name] = tf.randomNormal(params[name]!.shape, 0, 0.01, "float32", seed);
      optimizer.v[name] = tf.randomUniform(params[name]!.shape, 0, 1e-4, "float32", seed);
    }
    variants[variant] = { config: INPUT, params, tokenizer: { pieces: ["a", "b"] }, optimizer, state: { variant } };
    mkdirSync(join(work, "fixtures", variant), { recursive: true });
    for (const [f, b] of serializeCheckpoint(variants[variant])) writeFileSync(join(work, "fixtures", variant, f), b);
  }
});

afterAll(() => {
  for (const v of Object.values(variants)) {
    tf.dispose([...Object.values(v.params), ...Object.values(v.optimizer!.m), ...Object.values(v.optimizer!.v)]);
  }
  rmSync(work, { recursive: true, force: true });
});

/**
 * Transpiles `entry` and the modules it loads at run time into `outDir` (same paths
 * relative to the repository), with `.ts` imports rewritten to `.js`, so that plain
 * `node` runs it. `node --import tsx` runs the child as well, but spends about 0.4 s of CPU
 * starting each one, which on two cores makes KILLS children take more than 20 s.
 */
function transpileForNode(entry: string, outDir: string): string {
  const outPath = (file: string) => join(outDir, relative(ROOT, file)).replace(/\.ts$/, ".js");
  const done = new Set<string>();
  const visit = (file: string): void => {
    if (done.has(file)) return;
    done.add(file);
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
      },
    });
    mkdirSync(dirname(outPath(file)), { recursive: true });
    writeFileSync(outPath(file), outputText);
    for (const [, spec] of outputText.matchAll(/^(?:import|export)\b[^;]*?from "(\.\.?\/[^"]+)\.js";/gms)) visit(resolve(dirname(file), `${spec}.ts`));
  };
  visit(entry);
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  return outPath(entry);
}

let childScript: string;

/** Starts a child and resolves once it has loaded and is waiting for "go". */
function startChild(runDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [childScript, runDir, join(work, "fixtures")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (b) => (stderr += String(b)));
  child.once("exit", (code, signal) => {
    if (signal !== "SIGKILL") failures.push(`child exited by itself (${code ?? signal}): ${stderr}`);
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", () => reject(new Error(failures.at(-1))));
  });
}

/** Children that ended other than by our SIGKILL (a save that threw, a bad start). */
const failures: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stepOf = (name: string) => Number(/^step-(\d+)/.exec(name)![1]);

/** Loads `path` and checks it is exactly one of the variants; returns the loaded checkpoint's directory name. */
async function loadAndCheck(path: string): Promise<string> {
  const l = await loadCheckpoint(path);
  try {
    const variant = (l.state as { variant: "A" | "B" }).variant;
    const want = variants[variant];
    expect(want, `${l.dir}: state ${JSON.stringify(l.state)}`).toBeDefined();
    expect(Object.keys(l.params).sort()).toEqual(Object.keys(want.params).sort());
    for (const [name, t] of Object.entries(want.params)) expect(bits(l.params[name]!).equals(bits(t)), `${l.dir} ${name}`).toBe(true);
    expect(l.optimizer!.step).toBe(want.optimizer!.step);
    for (const kind of ["m", "v"] as const) {
      const moments = want.optimizer![kind];
      expect(Object.keys(l.optimizer![kind]).sort()).toEqual(Object.keys(moments).sort());
      for (const [name, t] of Object.entries(moments)) expect(bits(l.optimizer![kind][name]!).equals(bits(t)), `${l.dir} ${kind}.${name}`).toBe(true);
    }
    return l.dir.slice(l.dir.lastIndexOf("/") + 1);
  } finally {
    tf.dispose([...Object.values(l.params), ...Object.values(l.optimizer?.m ?? {}), ...Object.values(l.optimizer?.v ?? {})]);
  }
}

it(`survives ${KILLS} SIGKILLs at random moments of saving`, async () => {
  const runDir = join(work, "run");
  await saveCheckpoint(runDir, variants.A, { step: 0 });
  const rand = mulberry32(20240607);
  const before = tf.memory().numTensors;
  const debris = { tmp: 0, old: 0, latestTmp: 0 };
  let lastStep = 0;
  let next = startChild(runDir);
  const t0 = performance.now();
  try {
    for (let k = 0; k < KILLS; k++) {
      const child = await next;
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin!.write(`go ${lastStep}\n`);
      await sleep(rand() * MAX_DELAY_MS);
      child.kill("SIGKILL");
      await exited;
      if (k + 1 < KILLS) next = startChild(runDir); // starts while this one's work is checked

      const names = readdirSync(runDir);
      debris.tmp += names.some((n) => n.includes(".tmp-")) ? 1 : 0;
      debris.old += names.some((n) => n.includes(".old-")) ? 1 : 0;
      debris.latestTmp += names.some((n) => n.startsWith(".latest.json.")) ? 1 : 0;
      const loaded = await loadAndCheck(runDir);
      expect(stepOf(loaded), `kill ${k}: latest went back`).toBeGreaterThanOrEqual(lastStep);
      lastStep = stepOf(loaded);
      for (const n of names.filter((n) => /^step-\d+$/.test(n))) await loadAndCheck(join(runDir, n));
    }
  } finally {
    next.then((c) => c.kill("SIGKILL"), () => {});
  }
  expect(failures).toEqual([]);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${KILLS} kills in ${seconds.toFixed(1)} s, reached step ${lastStep}; kills after which the directory held debris: ${JSON.stringify(debris)}`);
  expect(lastStep, "the children made progress").toBeGreaterThan(0);
  expect(debris.tmp + debris.old, "some kills landed mid-save").toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(before);

  // The next save clears everything the kills left.
  await saveCheckpoint(runDir, variants.B, { step: lastStep + 1 });
  expect(readdirSync(runDir).sort()).toEqual(["latest.json", `step-${String(lastStep).padStart(6, "0")}`, `step-${String(lastStep + 1).padStart(6, "0")}`]);
  expect(JSON.parse(readFileSync(join(runDir, "latest.json"), "utf8")).checkpoint).toBe(`step-${String(lastStep + 1).padStart(6, "0")}`);
});
