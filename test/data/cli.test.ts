import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../src/cli/args.ts";
import { dataCommand } from "../../src/cli/commands/data.ts";
import { generateDataset } from "../../src/lib/data/dataset.ts";
import { decodeImage } from "../../src/lib/data/render-node.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const errLog = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    await dataCommand.run(argv);
    return { stdout: log.mock.calls.map((c) => c.join(" ")).join("\n"), stderr: [...err.mock.calls.map((c) => String(c[0])), ...errLog.mock.calls.map((c) => c.join(" "))].join("") };
  } finally {
    log.mockRestore();
    err.mockRestore();
    errLog.mockRestore();
  }
}

describe("meteor data", () => {
  it("writes samples.jsonl, one PNG per image sample and config.json; progress on stderr", async () => {
    const out = await mkdtemp(join(tmpdir(), "meteor-data-"));
    dirs.push(out);
    const { stdout, stderr } = await run("--n", "12", "--seed", "1", "--split", "validation", "--out", out, "--size", "40");
    expect(stdout).toMatch(/wrote 12 samples \(9 images, 40×40\)/);
    expect(stderr).toMatch(/rendered 9\/9 images/);
    const lines = (await readFile(join(out, "samples.jsonl"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    const expected = generateDataset({ n: 12, seed: 1, split: "validation" });
    expect(lines.map(({ imageFile: _, ...s }) => s)).toEqual(expected);
    const images = await readdir(join(out, "images"));
    expect(images.sort()).toEqual(expected.filter((s) => s.image).map((s) => `${s.id}.png`).sort());
    for (const l of lines.filter((l) => l.imageFile)) {
      const px = await decodeImage(new Uint8Array(await readFile(join(out, l.imageFile))), 40);
      expect(px).toHaveLength(40 * 40 * 3);
    }
    expect((await readdir(out)).sort()).toEqual(["config.json", "images", "samples.jsonl"]); // no temp files left
    expect(JSON.parse(await readFile(join(out, "config.json"), "utf8"))).toMatchObject({ format: "meteor-data", version: 1, config: { n: 12, seed: 1, split: "validation", imageSize: 40 } });
  });

  it("one family, no images for math-text", async () => {
    const out = await mkdtemp(join(tmpdir(), "meteor-data-"));
    dirs.push(out);
    await run("--n", "3", "--family", "math-text", "--out", out);
    expect(await readdir(join(out, "images"))).toEqual([]);
    const lines = (await readFile(join(out, "samples.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).family)).toEqual(["math-text", "math-text", "math-text"]);
  });

  it("refuses bad flags with a usage error", async () => {
    await expect(run("--n", "3")).rejects.toThrow(/--out is required/);
    await expect(run("--out", "x", "--n", "three")).rejects.toThrow(UsageError);
    await expect(run("--out", "x", "--family", "charts")).rejects.toThrow(/unknown family "charts"/);
    await expect(run("--out", "x", "--split", "dev")).rejects.toThrow(/--split must be one of/);
    await expect(run("--out", "x", "--bogus")).rejects.toThrow(UsageError);
  });
});
