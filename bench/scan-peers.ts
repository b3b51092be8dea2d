/**
 * The scan benchmark's peers, run as child processes on the same shapes: a plain C loop
 * (`peers/scan.c`, compiled here with `cc -O3 -march=native -ffast-math`) and PyTorch CPU
 * (`peers/scan_torch.py`: the textbook loop and `selective_scan_ref`), each timing forward +
 * backward itself and printing JSON. A peer that cannot run (no compiler, no python3 with
 * torch) is reported unavailable with the reason, never faked.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";

export type PeerKernel = "c-loop" | "torch-loop" | "torch-ref";
export const PEER_KERNELS: readonly PeerKernel[] = ["c-loop", "torch-loop", "torch-ref"];

export interface PeerShape {
  b: number;
  l: number;
  d: number;
  n: number;
}

/** Compiles the C peer once per source version; returns its path or the reason it failed. */
export function buildCPeer(): { path: string } | { error: string } {
  const src = join(HERE, "peers", "scan.c");
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 12);
  const path = join(tmpdir(), `meteor-scan-peer-${hash}`);
  if (existsSync(path)) return { path };
  const r = spawnSync("cc", ["-O3", "-march=native", "-ffast-math", "-o", path, src, "-lm"], { encoding: "utf8" });
  if (r.status !== 0) return { error: `cc failed: ${(r.error?.message ?? r.stderr).trim().split("\n")[0]}` };
  return { path };
}

/** Whether python3 with torch is present; the reason when not. */
export function torchVersion(): { version: string } | { error: string } {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? { version: r.stdout.trim() } : { error: `${PYTHON} has no torch (${(r.error?.message ?? r.stderr).trim().split("\n").pop()})` };
}

function parse(out: string, who: string): Record<string, number> {
  try {
    return JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
  } catch {
    throw new Error(`${who}: unreadable output ${JSON.stringify(out.slice(0, 200))}`);
  }
}

/** Median forward + backward ms of the C peer. */
export function runCPeer(path: string, s: PeerShape, reps: number): number {
  const r = spawnSync(path, [s.b, s.l, s.d, s.n, reps].map(String), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`C scan peer failed: ${r.stderr.trim()}`);
  return parse(r.stdout, "C scan peer")["ms"]!;
}

/** Median forward + backward ms of the PyTorch formulations asked for, on `threads` threads. */
export function runTorchPeer(s: PeerShape, reps: number, threads: number, which: readonly ("loop" | "ref")[]): Record<"loop" | "ref", number | undefined> {
  const script = join(HERE, "peers", "scan_torch.py");
  const r = spawnSync(PYTHON, [script, ...[s.b, s.l, s.d, s.n, reps, threads].map(String), which.join(",")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`PyTorch scan peer failed: ${r.stderr.trim().split("\n").pop()}`);
  const out = parse(r.stdout, "PyTorch scan peer");
  return { loop: out["loop"], ref: out["ref"] };
}

/**
 * The PyTorch formulation `which` over every shape, in one process (importing torch takes
 * seconds on a loaded machine): median ms per shape, or null where the estimated time
 * (`secondsPerUnit` from calibration, then each measurement, × the shape's work units)
 * exceeds `budgetSeconds`; `estSeconds` gives the estimate for each.
 */
export function runTorchPeerGrid(
  shapes: readonly PeerShape[],
  opts: { reps: number; threads: number; which: "loop" | "ref"; budgetSeconds: number; secondsPerUnit: number },
): { ms: (number | null)[]; estSeconds: number[] } {
  const script = join(HERE, "peers", "scan_torch.py");
  const input = JSON.stringify({ ...opts, shapes: shapes.map((s) => [s.b, s.l, s.d, s.n]) });
  const r = spawnSync(PYTHON, [script, "--grid"], { input, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`PyTorch scan peer failed: ${r.stderr.trim().split("\n").pop()}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ms: (number | null)[]; estSeconds: number[] };
  if (out.ms.length !== shapes.length) throw new Error(`PyTorch scan peer: ${out.ms.length} results for ${shapes.length} shapes`);
  return out;
}
