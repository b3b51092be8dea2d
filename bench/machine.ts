/**
 * What a benchmark ran on, saved beside its numbers: CPU model, cores, memory, load at the
 * start, Node and OS versions, backend and kernels, git commit, the command and the date.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load averages when the run started and ended (other jobs on the machine distort timings). */
  loadAtStart: number;
  loadAtEnd: number;
  node: string;
  os: string;
  backend: string;
  kernels: string;
  commit: string;
  command: string;
  date: string;
}

function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return "unknown (not a git checkout)";
  }
}

export function describeMachine(run: { loadAtStart: number; backend: string; kernels: string; command: string }): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAtStart: Math.round(run.loadAtStart * 100) / 100,
    loadAtEnd: Math.round(loadavg()[0]! * 100) / 100,
    node: process.version,
    os: `${process.platform} ${release()}`,
    backend: run.backend,
    kernels: run.kernels.replace(/^kernels:\s*/, ""),
    commit: gitCommit(),
    command: run.command,
    date: new Date().toISOString(),
  };
}
