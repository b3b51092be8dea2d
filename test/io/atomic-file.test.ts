/**
 * writeFileAtomic with the real file system: it replaces or creates the file, and when it
 * cannot finish, the old file is untouched and no temporary file is left behind.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/lib/io/atomic-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "atomic-file-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("creates a new file", async () => {
    const path = join(dir, "new.bin");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(["new.bin"]);
  });

  it("replaces an existing file whole", async () => {
    const path = join(dir, "model.safetensors");
    writeFileSync(path, "old contents that are longer than the new ones");
    await writeFileAtomic(path, new TextEncoder().encode("new"));
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });

  it("writes a view of a larger buffer, not the whole buffer", async () => {
    const path = join(dir, "view.bin");
    const big = Uint8Array.from({ length: 16 }, (_, i) => i);
    await writeFileAtomic(path, big.subarray(4, 7));
    expect(Array.from(readFileSync(path))).toEqual([4, 5, 6]);
  });

  it("concurrent writers each leave a whole file", async () => {
    const path = join(dir, "race.bin");
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(10_000).fill(i));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    const got = readFileSync(path);
    expect(got.length).toBe(10_000);
    expect(got.every((b) => b === got[0])).toBe(true);
    expect(readdirSync(dir)).toEqual(["race.bin"]);
  });

  it("fails when the rename cannot happen, leaving what was there and no temporary file", async () => {
    const path = join(dir, "occupied");
    mkdirSync(path);
    writeFileSync(join(path, "keep.txt"), "keep");
    await expect(writeFileAtomic(path, new Uint8Array([1]))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(readFileSync(join(path, "keep.txt"), "utf8")).toBe("keep");
    expect(readdirSync(dir)).toEqual(["occupied"]);
  });

  it("fails when the directory does not exist, creating nothing", async () => {
    await expect(writeFileAtomic(join(dir, "missing", "f.bin"), new Uint8Array([1]))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
