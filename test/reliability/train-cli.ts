/**
 * Runs `meteor train` in a child process (as a user would, on wasm), optionally SIGKILLing
 * it after a delay, and checks run directories: every complete checkpoint loads, and none
 * holds a non-finite weight.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "../../src/lib/tf.ts";
import { loadCheckpoint } from "../../src/lib/io/meteor-checkpoint.ts";
import type { TrainerState } from "../../src/lib/train/trainer.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface TrainRun {
  /** Exit code, or null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/** Children still running (so a failing test can end them). */
export const running = new Set<ChildProcess>();

/**
 * When to SIGKILL: `afterMs` after the start, or `afterMs` after a stderr line matching
 * `after` first appears (the progress bar is no use as a clock: off a terminal it prints
 * once every 5 s).
 */
export type KillPlan = { afterMs: number; after?: RegExp };

/** Runs `meteor train ARGS`, SIGKILLed as `kill` says if still running (and in any case after `timeoutMs`). */
export function train(args: readonly string[], opts: { kill?: KillPlan; timeoutMs?: number } = {}): Promise<TrainRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["bin/meteor.js", "train", ...args], {
    cwd: ROOT,
    env: { ...process.env, METEOR_BACKEND: "wasm" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  let stderr = "";
  const kill = opts.kill;
  const timers = [setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000)];
  const arm = () => timers.push(setTimeout(() => child.kill("SIGKILL"), kill!.afterMs));
  let waiting = kill?.after;
  if (kill && !waiting) arm();
  child.stderr!.on("data", (b) => {
    stderr += String(b);
    if (waiting?.test(stderr)) {
      waiting = undefined;
      arm();
    }
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      running.delete(child);
      resolve({ code, signal, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Ends every child still running (by its own handle). */
export function killRunning(): void {
  for (const c of running) c.kill("SIGKILL");
}

/** A run config file with small validation and test sets, so stage-end validation is quick. */
export function writeRunConfig(path: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(path, JSON.stringify({ validationSize: 8, testSize: 8, ...extra }));
  return path;
}

export interface CheckedCheckpoint {
  /** The checkpoint's directory name, e.g. "step-000006". */
  name: string;
  step: number;
  state: TrainerState;
}

/**
 * Loads `path` (a run directory, following latest.json, or a checkpoint directory), checks
 * every weight is finite, and disposes what it loaded. Throws what `loadCheckpoint` throws.
 */
export async function loadAndCheck(path: string): Promise<CheckedCheckpoint> {
  const c = await loadCheckpoint(path);
  try {
    for (const [name, t] of Object.entries(c.params)) {
      const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(t)).any().dataSync()[0]);
      if (bad) throw new Error(`${c.dir}: parameter ${name} holds a non-finite value`);
    }
    const name = c.dir.slice(c.dir.lastIndexOf("/") + 1);
    return { name, step: Number(/^step-(\d+)$/.exec(name)![1]), state: c.state as TrainerState };
  } finally {
    tf.dispose([...Object.values(c.params), ...Object.values(c.optimizer?.m ?? {}), ...Object.values(c.optimizer?.v ?? {})]);
  }
}

/** The complete checkpoint directories of a run (`step-NNNNNN`, not `.tmp-`/`.old-` leftovers). */
export function stepDirs(runDir: string): string[] {
  try {
    return readdirSync(runDir).filter((n) => /^step-\d+$/.test(n)).sort();
  } catch {
    return [];
  }
}

export const hasLatest = (runDir: string): boolean => {
  try {
    return readdirSync(runDir).includes("latest.json");
  } catch {
    return false;
  }
};
