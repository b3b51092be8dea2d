/**
 * A run directory of checkpoints that survives being killed at any instant (Node only; no
 * tensors, so a process can use it without loading TensorFlow.js).
 *
 *   RUN_DIR/
 *     latest.json                 {"format": 1, "checkpoint": "step-000120"}
 *     step-000100/ step-000120/   one complete checkpoint each (the files are the caller's)
 *     step-000140.tmp-<hex>/      a checkpoint being written, or left by a killed writer
 *     step-000120.old-<hex>/      a checkpoint being replaced or deleted
 *
 * The invariant: whenever `latest.json` exists it names a directory holding a complete
 * checkpoint. A save writes every file of a new checkpoint into a `.tmp-` directory (each
 * file fsync'd, then the directory), renames it into place, and only then replaces
 * `latest.json` (atomically, with `writeFileAtomic`). Deletions rename a directory to an
 * `.old-` name before removing it, so a half-deleted checkpoint never keeps a `step-` name.
 * Re-saving the step that `latest.json` names moves the pointer onto the new copy's
 * temporary name, then onto the old copy's `.old-` name, while the two directories swap;
 * if that is interrupted, the next save gives the copy latest.json named its step name back.
 *
 * One writer per run directory: two processes saving into the same one at once are not
 * supported (each would prune the other's temporary directory).
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { syncDirectory, writeFileAtomic } from "./atomic-file.ts";
import { CheckpointError } from "./hf-mamba-config.ts";
import { findDuplicateKey } from "./json-duplicate-keys.ts";

/** The pointer file of a run directory. */
export const LATEST_FILE = "latest.json";

/** The version of latest.json's layout. */
export const LATEST_FORMAT = 1;

/** A complete checkpoint directory's name: `step-` and the step, zero-padded to six digits. */
const STEP_DIR = /^step-(\d+)$/;
/** Names `latest.json` may hold: a step directory, or (during a re-save) its temporary or old copy. */
const POINTABLE = /^step-\d+(\.(tmp|old)-[0-9a-f]+)?$/;
/** Directories a killed writer may leave behind. */
const STALE_DIR = /^step-\d+\.(tmp|old)-[0-9a-f]+$/;
/** `writeFileAtomic`'s temporary file for latest.json (`.<name>.<pid>.<hex>.tmp`), left if killed mid-write. */
const STALE_LATEST = /^\.latest\.json\.\d+\.[0-9a-f]+\.tmp$/;

/** `step-000120` for step 120 (more digits past 999999). */
export function stepDirName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(`step must be a non-negative integer, got ${JSON.stringify(step)}`);
  return `step-${String(step).padStart(6, "0")}`;
}

export interface CommitOptions {
  /** How many complete checkpoints to keep: this one and the keep − 1 highest other steps. Default 2. */
  keep?: number;
}

/**
 * Writes `files` as checkpoint `name` (from `stepDirName`) of `runDir` and points
 * `latest.json` at it, then prunes; returns the checkpoint's path. The run directory is
 * created if needed. An existing checkpoint of the same name is replaced. If this throws,
 * `latest.json` still names a complete checkpoint (the previous one, or this one's
 * temporary or old copy during a re-save), or does not exist if it did not before.
 */
export async function commitCheckpointDir(
  runDir: string,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
  opts: CommitOptions = {},
): Promise<string> {
  const keep = opts.keep ?? 2;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new CheckpointError(`keep must be a positive integer, got ${JSON.stringify(keep)}`);
  if (!STEP_DIR.test(name)) throw new CheckpointError(`checkpoint name must look like "step-000120", got ${JSON.stringify(name)}`);
  for (const file of files.keys()) {
    if (!/^[\w.-]+$/.test(file) || file.startsWith(".")) throw new CheckpointError(`bad checkpoint file name ${JSON.stringify(file)}`);
  }
  await mkdir(runDir, { recursive: true });
  const previous = await readLatestName(runDir);
  const final = join(runDir, name);
  const tmpName = `${name}.tmp-${hex()}`;
  const tmp = join(runDir, tmpName);

  await mkdir(tmp);
  try {
    for (const [file, bytes] of files) await writeDurably(join(tmp, file), bytes);
    await syncDirectory(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }

  if (await exists(final)) {
    // rename() cannot replace a non-empty directory: move the old one away first. If
    // latest.json names it, keep latest.json on a complete copy throughout the swap.
    const oldName = `${name}.old-${hex()}`;
    const pointed = previous === name;
    if (pointed) await writeLatest(runDir, tmpName);
    await rename(final, join(runDir, oldName));
    if (pointed) await writeLatest(runDir, oldName);
  }
  await rename(tmp, final);
  await syncDirectory(runDir);
  await writeLatest(runDir, name);
  await restoreCopy(runDir, previous, name);
  await prune(runDir, name, keep);
  return final;
}

/**
 * The checkpoint directory that `path` means: the one `latest.json` names when `path` is a
 * run directory, or `path` itself when it holds a `config.json` (`marker`). Throws a
 * CheckpointError when neither, or when latest.json is unreadable or names a missing directory.
 */
export async function resolveCheckpointDir(path: string, marker: string): Promise<string> {
  if (!(await isDirectory(path))) throw new CheckpointError(`${path}: no such checkpoint or run directory`);
  const latestPath = join(path, LATEST_FILE);
  const latest = await readIfExists(latestPath);
  if (latest === null) {
    if (await exists(join(path, marker))) return path;
    throw new CheckpointError(
      `${path}: not a checkpoint: no ${LATEST_FILE} (as in a run directory with a saved checkpoint) and no ${marker} (as in a checkpoint directory)`,
    );
  }
  const name = parseLatest(latest, latestPath);
  const dir = join(path, name);
  if (!(await isDirectory(dir))) throw new CheckpointError(`${latestPath}: names checkpoint "${name}", but ${dir} does not exist`);
  return dir;
}

/** Reads the named files of a checkpoint directory; files that do not exist are left out. */
export async function readCheckpointFiles(dir: string, names: readonly string[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const name of names) {
    const bytes = await readIfExists(join(dir, name));
    if (bytes !== null) out.set(name, bytes);
  }
  return out;
}

/** Validates latest.json's bytes and returns the checkpoint name it holds. */
export function parseLatest(bytes: Uint8Array, where: string = LATEST_FILE): string {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const dup = findDuplicateKey(text);
  if (dup !== null) throw new CheckpointError(`${where}: duplicate key "${dup.key}"`);
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new CheckpointError(`${where}: must be a JSON object`);
  const rec = json as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (k !== "format" && k !== "checkpoint") throw new CheckpointError(`${where}: unknown field "${k}" (expected format, checkpoint)`);
  }
  if (rec.format !== LATEST_FORMAT) {
    throw new CheckpointError(`${where}: unknown format version ${JSON.stringify(rec.format)} (this version reads ${LATEST_FORMAT})`);
  }
  if (typeof rec.checkpoint !== "string" || !POINTABLE.test(rec.checkpoint)) {
    throw new CheckpointError(`${where}: "checkpoint" must name a step directory such as "step-000120", got ${JSON.stringify(rec.checkpoint)}`);
  }
  return rec.checkpoint;
}

// ---------------------------------------------------------------------------------------

async function writeLatest(runDir: string, name: string): Promise<void> {
  const text = `${JSON.stringify({ format: LATEST_FORMAT, checkpoint: name })}\n`;
  await writeFileAtomic(join(runDir, LATEST_FILE), new TextEncoder().encode(text));
}

/** The name latest.json holds, or null when it is absent or unreadable. */
async function readLatestName(runDir: string): Promise<string | null> {
  const bytes = await readIfExists(join(runDir, LATEST_FILE));
  if (bytes === null) return null;
  try {
    return parseLatest(bytes);
  } catch {
    return null;
  }
}

/**
 * When latest.json named a copy of another step (a re-save was killed mid-swap), that copy
 * is complete and was the newest checkpoint: give it its step name back, moving aside a
 * `step-` directory of that name if there is one (the version the re-save was replacing),
 * so that pruning counts it. latest.json names `current` by now, so neither rename can
 * break it.
 */
async function restoreCopy(runDir: string, previous: string | null, current: string): Promise<void> {
  const copy = previous === null ? null : /^(step-\d+)\.(tmp|old)-[0-9a-f]+$/.exec(previous);
  if (copy === null || copy[1] === current || !(await isDirectory(join(runDir, previous!)))) return;
  const target = join(runDir, copy[1]!);
  if (await exists(target)) await rename(target, join(runDir, `${copy[1]}.old-${hex()}`));
  await rename(join(runDir, previous!), target);
  await syncDirectory(runDir);
}

/**
 * Deletes complete checkpoints beyond `keep` (never `current`, which latest.json now
 * names) and everything a killed writer left: `.tmp-`/`.old-` directories and temporary
 * latest.json files. A checkpoint is renamed to an `.old-` name before it is removed.
 */
async function prune(runDir: string, current: string, keep: number): Promise<void> {
  const entries = await readdir(runDir, { withFileTypes: true });
  const others = entries
    .filter((e) => e.isDirectory() && e.name !== current && STEP_DIR.test(e.name))
    .map((e) => ({ name: e.name, step: Number(STEP_DIR.exec(e.name)![1]) }))
    .sort((a, b) => b.step - a.step);
  const doomed = others.slice(keep - 1).map((o) => o.name);
  const stale = entries.filter((e) => e.isDirectory() && STALE_DIR.test(e.name)).map((e) => e.name);
  for (const name of doomed) {
    const old = `${name}.old-${hex()}`;
    await rename(join(runDir, name), join(runDir, old));
    stale.push(old);
  }
  if (doomed.length > 0) await syncDirectory(runDir);
  for (const name of stale) await rm(join(runDir, name), { recursive: true, force: true });
  for (const e of entries) if (e.isFile() && STALE_LATEST.test(e.name)) await rm(join(runDir, e.name), { force: true });
}

const hex = (): string => randomBytes(6).toString("hex");

/** Writes a new file and fsyncs it before closing. */
async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return false;
    throw e;
  }
}
