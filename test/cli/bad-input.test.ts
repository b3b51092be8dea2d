/**
 * A careless user at the command line: every bad input gets a clear error up front, naming
 * the flag or the file, and nothing is lost — no run is overwritten, no training starts, no
 * directory is left behind. Each case ran wrong before (silently ignored, overwrote a run,
 * failed at the first save, hung, or loaded NaN weights as if trained).
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 120_000 }); // each case starts the CLI a few times
import { parseSafetensorsHeader } from "../../src/lib/io/safetensors.ts";
import { runCli, type CliResult } from "./run-cli.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TINY = join(ROOT, "data/checkpoints/tiny-meteor");
const haveTiny = existsSync(join(TINY, "latest.json"));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "meteor-bad-input-"));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A refusal: exit 2 (usage) or 1, one `meteor:` line matching `message`, and training never started. */
async function expectRefused(pending: Promise<CliResult>, status: 1 | 2, message: RegExp): Promise<void> {
  const r = await pending;
  expect(r.status, r.stderr).toBe(status);
  const line = r.stderr.split("\n").find((l) => l.startsWith("meteor: ")) ?? "";
  expect(line, r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^training /m);
}

/** `s` as a literal inside a RegExp. */
const lit = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Every file under `dir` with its size and modification time, to show nothing changed. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = join(e.parentPath, e.name);
      const st = statSync(p);
      return `${p.slice(dir.length)} ${st.size} ${st.mtimeMs}`;
    })
    .sort();
}

/** A copy of the shipped tiny checkpoint, and the path of its step directory. */
function tinyCopy(name: string): { run: string; step: string } {
  const run = join(work, name);
  cpSync(TINY, run, { recursive: true });
  const { checkpoint } = JSON.parse(readFileSync(join(run, "latest.json"), "utf8")) as { checkpoint: string };
  return { run, step: join(run, checkpoint) };
}

/** Overwrites float32 values of `tensor` in a safetensors file: `at` null for all of them. */
function poison(file: string, tensor: string, value: number | "exponent", at: number | null): void {
  const bytes = new Uint8Array(readFileSync(file));
  const h = parseSafetensorsHeader(bytes);
  const [b, e] = h.tensors.get(tensor)!.dataOffsets;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + h.dataStart + b, e - b);
  for (let i = at ?? 0; i < (at === null ? dv.byteLength / 4 : at + 1); i++) {
    if (value === "exponent") dv.setUint32(4 * i, dv.getUint32(4 * i, true) | 0x7f800000, true);
    else dv.setFloat32(4 * i, value, true);
  }
  writeFileSync(file, bytes);
}

describe("meteor train refuses bad flags before it starts", () => {
  it("a stray positional (`train small`) is refused, not ignored", async () => {
    const out = join(work, "stray");
    await expectRefused(runCli(["train", "small", "--out", out]), 2, /unexpected argument "small"/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [["--checkpoint-every", "0"], /--checkpoint-every must be a positive integer, got "0"/],
    [["--seed", "-1"], /--seed must be a non-negative integer, got "-1"/],
    [["--seed", "1.5"], /--seed must be a non-negative integer, got "1.5"/],
    [["--steps-answer", "x"], /--steps-answer must be a non-negative integer, got "x"/],
  ])("%j is refused naming the flag", async (flags, message) => {
    const out = join(work, `flags-${flags.join("")}`);
    await expectRefused(runCli(["train", "--out", out, ...flags]), 2, message);
    expect(existsSync(out)).toBe(false);
  });

  it("a --config file holding null, or an array, is refused naming the file", async () => {
    for (const [text, what] of [["null", "null"], ["[1]", "an array"]] as const) {
      const file = join(work, `config-${what.replace(" ", "-")}.json`);
      writeFileSync(file, text);
      await expectRefused(runCli(["train", "--out", join(work, "cfg-run"), "--config", file]), 2, new RegExp(`--config ${lit(file)}: must hold a JSON object .*got ${what}`));
    }
    expect(existsSync(join(work, "cfg-run"))).toBe(false);
  });
});

describe("meteor train checks --out before training", () => {
  it("an empty --out, an existing file, a path through a file, and /proc are refused at once", async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "keep me");
    await expectRefused(runCli(["train", "--out="]), 2, /--out is empty/);
    await expectRefused(runCli(["train", "--out", file]), 2, /--out .*a-file is a file, not a directory/);
    await expectRefused(runCli(["train", "--out", join(file, "run")]), 2, /a-file is a file, not a directory/);
    // Node's recursive mkdir under /proc never returns: this used to hang at the first save.
    const proc = runCli(["train", "--out", "/proc/meteor-run"]);
    await expectRefused(proc, 2, /--out \/proc\/meteor-run is on proc, a pseudo-filesystem/);
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });

  it("a directory the user cannot write in is refused, naming it", async () => {
    const locked = join(work, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // root writes anywhere: run the command as nobody, for whom 0555 is read-only
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chmodSync(work, 0o755);
    const r = runCli(["train", "--out", join(locked, "run")], asRoot ? { uid: 65534, gid: 65534 } : {});
    await expectRefused(r, 2, new RegExp(`cannot write in ${lit(locked)} \\(permission denied\\)`));
    expect(readdirSync(locked)).toEqual([]);
  });

  it.skipIf(!haveTiny)("an existing run without --resume is refused and left as it was", async () => {
    const { run } = tinyCopy("existing-run");
    const before = snapshot(run);
    await expectRefused(runCli(["train", "--out", run]), 2, /--out .*existing-run already holds a run; pass --resume to continue it, or choose another --out/);
    expect(snapshot(run)).toEqual(before);
  });
});

describe.skipIf(!haveTiny)("eval and ask refuse what they cannot use, naming it", () => {
  it("eval --similarity-n abc, eval --n 0 and ask --beams beyond the vocabulary name the flag", async () => {
    await expectRefused(runCli(["eval", "--checkpoint", TINY, "--similarity-n", "abc"]), 2, /--similarity-n must be an integer ≥ 2, got "abc"/);
    await expectRefused(runCli(["eval", "--checkpoint", TINY, "--n", "0"]), 2, /--n must be a positive integer, got "0"/);
    await expectRefused(runCli(["ask", "--checkpoint", TINY, "--question", "how many?", "--beams", "1000"]), 2, /--beams must be at most \d+ \(the tokens this checkpoint's MLM can write\), got 1000/);
  });

  it.each([
    ["one +Infinity", Infinity, 7, /holds 1 non-finite value \(Infinity at element 7 of \d+\)/],
    ["all NaN", Number.NaN, null, /holds (\d+) non-finite values \(NaN at element 0 of \1\)/],
    ["exponent bits set", "exponent", 3, /holds 1 non-finite value \((-?Infinity|NaN) at element 3 of \d+\)/],
  ] as const)("a checkpoint with %s in a weight is refused by eval and ask, naming the file and the tensor", async (label, value, at, detail) => {
    const { step } = tinyCopy(`poisoned-${label.replaceAll(" ", "-")}`);
    const model = join(step, "model.safetensors");
    const tensor = "tor_proj.0.weight";
    const header = parseSafetensorsHeader(new Uint8Array(readFileSync(model)));
    expect(header.tensors.has(tensor)).toBe(true);
    poison(model, tensor, value, at);
    const named = new RegExp(`CheckpointError: ${lit(model)}: tensor "${tensor}" ${detail.source}`);
    await expectRefused(runCli(["eval", "--checkpoint", step]), 1, named);
    if (label === "all NaN") await expectRefused(runCli(["ask", "--checkpoint", step, "--question", "how many?"]), 1, named);
  });

  it("a bad tokenizer.json and a bad training section of config.json are named", async () => {
    const { step } = tinyCopy("bad-tokenizer");
    const tok = JSON.parse(readFileSync(join(step, "tokenizer.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(step, "tokenizer.json"), JSON.stringify({ ...tok, version: 99 }));
    await expectRefused(runCli(["eval", "--checkpoint", step]), 1, new RegExp(`TokenizerError: ${lit(join(step, "tokenizer.json"))}: unsupported tokenizer version 99`));
    const { step: step2 } = tinyCopy("bad-training");
    const cfg = JSON.parse(readFileSync(join(step2, "config.json"), "utf8")) as { training: Record<string, unknown> };
    writeFileSync(join(step2, "config.json"), JSON.stringify({ ...cfg, training: { ...cfg.training, batchSize: 0 } }));
    await expectRefused(runCli(["ask", "--checkpoint", step2, "--question", "how many?"]), 1, new RegExp(`${lit(join(step2, "config.json"))} \\(training\\): run.batchSize must be a positive integer, got 0`));
  });
});
