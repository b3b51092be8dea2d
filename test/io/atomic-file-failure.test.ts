/**
 * writeFileAtomic when the disk fails mid-write (an fsync error, simulated): the error
 * reaches the caller, the old file keeps its contents, and the temporary file is removed.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";

const failures = vi.hoisted(() => ({ sync: false, write: false }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const open: typeof real.open = async (...args) => {
    const handle = await real.open(...args);
    const writeFile = handle.writeFile.bind(handle);
    const sync = handle.sync.bind(handle);
    return Object.assign(handle, {
      writeFile: async (data: Uint8Array) => {
        if (failures.write) {
          await writeFile(data.subarray(0, 1)); // a torn write
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        }
        return writeFile(data);
      },
      sync: async () => {
        if (failures.sync) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
        return sync();
      },
    });
  };
  return { ...real, open, default: { ...real, open } };
});

const { writeFileAtomic } = await import("../../src/lib/io/atomic-file.ts");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "atomic-file-fail-"));
  failures.sync = false;
  failures.write = false;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const stage of ["write", "sync"] as const) {
  it(`an error in ${stage} leaves the old file and no temporary file`, async () => {
    const path = join(dir, "model.safetensors");
    writeFileSync(path, "old");
    failures[stage] = true;
    await expect(writeFileAtomic(path, new TextEncoder().encode("new contents"))).rejects.toThrow(stage === "write" ? /ENOSPC/ : /EIO/);
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });
}

it("the same mock lets a normal write through", async () => {
  const path = join(dir, "ok.bin");
  await writeFileAtomic(path, new Uint8Array([7]));
  expect(Array.from(readFileSync(path))).toEqual([7]);
  expect(readdirSync(dir)).toEqual(["ok.bin"]);
});
