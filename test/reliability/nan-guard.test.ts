/**
 * The non-finite guard end to end: `meteor train --lr 1e6` blows the weights up within a
 * couple of steps; the command must stop with a non-zero exit and a message naming the
 * non-finite loss (or gradient norm) and the last good checkpoint, and that checkpoint must
 * load with every weight finite — no NaN reaches the run directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { killRunning, loadAndCheck, stepDirs, train, writeRunConfig } from "./train-cli.ts";

let work: string;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  work = mkdtempSync(join(tmpdir(), "meteor-nan-guard-"));
});

afterAll(() => {
  killRunning();
  rmSync(work, { recursive: true, force: true });
});

it("meteor train --lr 1e6 stops on the non-finite loss and keeps a loadable, finite checkpoint", { timeout: 120_000 }, async () => {
  const run = join(work, "run");
  const r = await train([
    "--out", run, "--config", writeRunConfig(join(work, "run.json")), "--preset", "tiny", "--train-size", "16", "--batch", "4",
    "--steps-pretrain", "6", "--steps-embed", "2", "--steps-answer", "2", "--checkpoint-every", "1", "--lr", "1e6",
  ]);
  expect(r.signal).toBeNull();
  expect(r.code, r.stderr).not.toBe(0);
  const message = r.stderr.split(/[\r\n]/).find((l) => l.includes("NonFiniteLossError")) ?? "";
  expect(message, r.stderr).toMatch(/non-?finite/i);
  expect(message).toMatch(/(loss|gradient norm) is (NaN|-?Infinity)/);
  expect(message).toMatch(/last good checkpoint/);
  expect(message).toContain(run);
  const stoppedAt = Number(/Training stopped at step (\d+)/.exec(message)?.[1]);

  const latest = await loadAndCheck(run);
  expect(latest.step).toBe(stoppedAt);
  for (const name of stepDirs(run)) expect((await loadAndCheck(join(run, name))).step).toBeLessThanOrEqual(stoppedAt);
  console.log(`--lr 1e6: stopped at step ${stoppedAt} with "${message.replace(/^.*?NonFiniteLossError: /, "").slice(0, 60)}…"; ${latest.name} loads, all weights finite`);
});
