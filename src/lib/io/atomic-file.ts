/**
 * Crash-safe file replacement (Node only): readers see either the old file or the whole
 * new one, never a torn write.
 */
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Writes `bytes` to `path` atomically: into a temporary file in the same directory (same
 * file system, so the rename is atomic), fsync'd, then renamed over `path`; the directory
 * is fsync'd afterwards where the platform allows. On any failure the temporary file is
 * removed, the error is rethrown, and an existing file at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, "wx", 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDirectory(dir);
}

/** Makes the rename durable. Best effort: some platforms (Windows) cannot open a directory. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // not supported here; the data itself is already synced
  } finally {
    await handle?.close().catch(() => {});
  }
}
