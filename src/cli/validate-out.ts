/**
 * Checks an output directory before any work starts, so that a bad `--out` fails at once
 * with a message, not at the first save after minutes of training (or never: Node's
 * recursive mkdir spins forever under /proc). Nothing is created: the directory is made by
 * the first save, as before.
 */
import { closeSync, existsSync, openSync, statfsSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./args.ts";

/** Pseudo-filesystems that hold no files of ours (statfs magic numbers), by name. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1373, "devtmpfs"],
  [0x1cd1, "devpts"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
]);

const WHY: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
};

/** Whether `dir` holds a training run that `--resume` would continue: its latest.json. */
export function holdsRun(dir: string): boolean {
  return existsSync(join(dir, "latest.json"));
}

/**
 * Throws a UsageError naming `flag` unless `out` can hold a run: not empty, not a file, not
 * on a pseudo-filesystem, writable (a probe file is created and removed in the directory, or
 * in its nearest existing parent when it does not exist yet). With `refuseRun`, an existing
 * run there is refused too (`refuseRun` says what to do instead).
 */
export function checkOutDir(out: string, opts: { flag?: string; refuseRun?: string } = {}): void {
  const flag = opts.flag ?? "--out";
  if (out.trim() === "") throw new UsageError(`${flag} is empty; give the directory to write to`);
  const path = resolve(out);
  let existing = path;
  for (;;) {
    let st;
    try {
      st = statSync(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`${flag} ${out}: cannot look at ${existing} (${WHY[code ?? ""] ?? code})`);
      existing = dirname(existing);
      continue;
    }
    if (!st.isDirectory()) {
      throw new UsageError(existing === path ? `${flag} ${out} is a file, not a directory` : `${flag} ${out}: ${existing} is a file, not a directory`);
    }
    break;
  }
  const fs = PSEUDO_FS.get(Number(statfsSync(existing).type));
  if (fs !== undefined) throw new UsageError(`${flag} ${out} is on ${fs}, a pseudo-filesystem that cannot hold files; choose a directory on a disk`);
  if (existing === path && opts.refuseRun !== undefined && holdsRun(path)) {
    throw new UsageError(`${flag} ${out} already holds a run; ${opts.refuseRun}`);
  }
  const probe = join(existing, `.meteor-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new UsageError(`${flag} ${out}: cannot write in ${existing} (${WHY[code] ?? code})`);
  }
}
