/** `meteor ablate` as a user runs it: --plan piped into parallel --cell commands, merged by --report; bad input. */
import { exec } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AblationReport } from "../../src/lib/ablation/report.ts";
import { runCli } from "../cli/run-cli.ts";
import { MICRO_BASE } from "./micro.ts";

const dir = mkdtempSync(join(tmpdir(), "ablate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = join(dir, "base.json");
writeFileSync(base, JSON.stringify({ ...MICRO_BASE, steps: { pretrain: 1, embed: 1, answer: 1 }, testSize: 8 }));
const common = ["ablate", "--factor", "tor_count", "--seeds", "1", "--base", base, "--cache", join(dir, "cache"), "--out", join(dir, "out"), "--backend", "cpu"];

describe("meteor ablate", () => {
  // Asynchronous children: a worker blocked for the minute two cells take misses vitest's RPC deadline.
  it("--plan lists independent --cell commands; two run in parallel through xargs; --report merges them", async () => {
    const plan = await runCli([...common, "--plan"]);
    expect(plan.status, plan.stderr).toBe(0);
    const commands = plan.stdout.trim().split("\n");
    expect(commands).toHaveLength(4);
    for (const c of commands) expect(c).toMatch(/^node bin\/meteor\.js ablate .* --cell [0-9a-f]{16}$/);
    expect(plan.stderr).toContain("4 cells (1 seeds × tor_count), seed-major");

    await promisify(exec)(`node bin/meteor.js ${common.join(" ")} --plan 2>/dev/null | head -2 | xargs -P 2 -I{} sh -c '{}' >/dev/null 2>&1`, {
      cwd: join(import.meta.dirname, "../.."),
      timeout: 240_000,
    });
    const report = await runCli([...common, "--report", "--json"]);
    expect(report.status, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout) as AblationReport;
    expect([r.cellsDone, r.cellsTotal]).toEqual([2, 4]);
    const variants = r.factors[0]!.variants;
    expect(variants.map((v) => v.seedsDone)).toEqual([1, 1, 0, 0]);
    expect(r.commit).toMatch(/^[0-9a-f]{40}$|^unknown$/);
    expect(r.machine.cpus).toBeGreaterThan(0);
    const csv = readFileSync(join(dir, "out/tiny.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^factor,variant,label,scope,seeds,accuracy_mean,ci95_low,ci95_high/);
    expect(csv).toHaveLength(1 + 4 * 5);
    expect(readFileSync(join(dir, "out/tiny-cells.csv"), "utf8").trim().split("\n")).toHaveLength(3);

    // the same cell again, by index: cached, nothing trained
    const again = await runCli([...common, "--cell-index", "0", "--json"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/cached, accuracy/);
  }, 300_000);

  it("names an unknown factor, a bad cell id and an index out of range", async () => {
    const bad = await runCli(["ablate", "--factor", "tor_colour", "--plan"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown factor "tor_colour"; known: embedder, backbone, tor_count/);
    const cell = await runCli([...common, "--cell", "abc"]);
    expect(cell.status).toBe(2);
    expect(cell.stderr).toMatch(/bad cell id "abc"/);
    const missing = await runCli([...common, "--cell", "0123456789abcdef"]);
    expect(missing.stderr).toMatch(/no cell "0123456789abcdef" in the plan/);
    const index = await runCli([...common, "--cell-index", "9"]);
    expect(index.stderr).toMatch(/--cell-index 9 is out of range: the plan has 4 cells/);
  }, 120_000);
});
