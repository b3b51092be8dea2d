/** Runs the `meteor` CLI in a child process (as a user would) and collects its output. */
import { spawnSync } from "node:child_process";
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
