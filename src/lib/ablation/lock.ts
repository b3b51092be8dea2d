/**
 * Advisory lock files for the ablation cache (Node only), so two processes of one sweep —
 * `--jobs N` children, or array-job tasks sharing a cache directory — do not train the
 * same cell or pretrain twice. The lock is a file created exclusively, holding its owner's
 * host and pid. It is stale, and taken over, when its process is gone (same host) or when
 * it has not been refreshed for `staleMs` (another host: the owner refreshes at every
 * checkpoint). Correctness never depends on the lock: every run is deterministic and every
 * cache write atomic, so a duplicate run only wastes time.
 */
import { hostname } from "node:os";
import { mkdir, open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { dirname } from "node:path";

export interface HeldLock {
  path: string;
  /** Marks the lock as alive (call at checkpoints). */
  refresh(): Promise<void>;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock if it is free or stale; null when a live owner holds it. */
export async function tryLock(path: string, staleMs = 30 * 60_000): Promise<HeldLock | null> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString() }));
      await handle.close();
      return {
        path,
        refresh: async () => {
          const now = new Date();
          await utimes(path, now, now).catch(() => {});
        },
        release: async () => {
          await unlink(path).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner: { host?: string; pid?: number } = {};
    try {
      owner = JSON.parse(await readFile(path, "utf8"));
    } catch {
      // being written, or torn by a crash: judged by its age below
    }
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    const dead = owner.host === hostname() && typeof owner.pid === "number" && owner.pid !== process.pid && !alive(owner.pid);
    if (!dead && age < staleMs) return null;
    await unlink(path).catch(() => {});
  }
  return null;
}
