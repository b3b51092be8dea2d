/**
 * Runs the `meteor` CLI in a child process (as a user would, on wasm) and collects its output.
 * Asynchronous: a test worker blocked for the seconds a command takes (a minute for two
 * ablation cells) misses vitest's RPC deadline ("Timeout calling onTaskUpdate").
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface CliResult {
  /** Exit code, or null when killed (after two minutes). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `meteor ARGS`; `spawnOpts` adds e.g. a uid to run as. */
export function runCli(args: string[], spawnOpts: Pick<SpawnOptions, "uid" | "gid"> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/meteor.js", ...args], {
      cwd: ROOT,
      env: { ...process.env, METEOR_BACKEND: "wasm" },
      timeout: 120_000,
      ...spawnOpts,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b) => (stdout += String(b)));
    child.stderr!.on("data", (b) => (stderr += String(b)));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
