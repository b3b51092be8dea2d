/** Runs the `meteor` CLI in a child process (as a user would) and collects its output. */
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function runCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/meteor.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, METEOR_BACKEND: "wasm", ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type CliResult = ReturnType<typeof runCli>;

/**
 * `runCli` without blocking the test worker's event loop (a few blocking seconds per call
 * add up to vitest's "Timeout calling onTaskUpdate"); `spawn` adds options such as uid.
 */
export function runCliAsync(args: string[], spawnOpts: Pick<SpawnOptions, "uid" | "gid"> = {}): Promise<CliResult> {
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
