/**
 * `meteor train` SIGKILLed at seeded random moments, over and over, then resumed to the end.
 *
 * Each round starts the command (with --resume once a checkpoint exists) and kills it at a
 * moment drawn from a fixed seed: a third of the rounds 0–3.5 s after the start (start-up,
 * data rendering, resuming), the rest 0–3.5 s after it prints "training …" — a few steps at
 * ~0.5 s each with a checkpoint every 2nd (long: 3rd) step, so kills land in steps, validation and
 * checkpoint writes, and the run moves on. After every kill, once the first checkpoint
 * exists: latest.json must still be there and name a checkpoint that loads with finite
 * weights, at a step no earlier than before, and every complete `step-` directory must load.
 * Then one unkilled --resume must finish with exactly the full step count: the final
 * checkpoint's history holds one entry per step, none lost and none repeated.
 *
 * Always on: a 14-step run killed for ~40 s (about 50 s in all). METEOR_LONG_TESTS=1: a
 * 40-step run killed for ~120 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { mulberry32 } from "../../src/lib/random.ts";
import { hasLatest, killRunning, loadAndCheck, stepDirs, train, writeRunConfig, type KillPlan } from "./train-cli.ts";

const LONG = Boolean(process.env.METEOR_LONG_TESTS);
const PLAN = LONG
  ? { steps: { pretrain: 16, embed: 12, answer: 12 }, checkpointEvery: 3, killBudgetMs: 120_000, startMs: 3_500, trainMs: 5_000, timeoutMs: 400_000 }
  : { steps: { pretrain: 6, embed: 4, answer: 4 }, checkpointEvery: 2, killBudgetMs: 40_000, startMs: 3_500, trainMs: 3_500, timeoutMs: 110_000 };
const TOTAL = PLAN.steps.pretrain + PLAN.steps.embed + PLAN.steps.answer;
const SEED = 20240611;

let work: string;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  work = mkdtempSync(join(tmpdir(), "meteor-kill-train-"));
});

afterAll(() => {
  killRunning();
  rmSync(work, { recursive: true, force: true });
});

it(`meteor train survives SIGKILLs at random moments and resumes to all ${TOTAL} steps`, { timeout: PLAN.timeoutMs }, async () => {
  const run = join(work, "run");
  const args = [
    "--out", run, "--config", writeRunConfig(join(work, "run.json")), "--preset", "tiny", "--train-size", "32", "--batch", "4",
    "--steps-pretrain", String(PLAN.steps.pretrain), "--steps-embed", String(PLAN.steps.embed), "--steps-answer", String(PLAN.steps.answer),
    "--checkpoint-every", String(PLAN.checkpointEvery),
  ];
  const rand = mulberry32(SEED);
  const t0 = performance.now();
  let kills = 0;
  let finishedUnkilled = 0;
  let lastStep = -1;
  const steps: number[] = [];
  const killedAt: string[] = [];
  while (performance.now() - t0 < PLAN.killBudgetMs) {
    const resume = hasLatest(run);
    const kill: KillPlan =
      rand() < 1 / 3 ? { afterMs: Math.floor(rand() * PLAN.startMs) } : { afterMs: Math.floor(rand() * PLAN.trainMs), after: /^training /m };
    const when = `${kill.afterMs} ms after ${kill.after ? "training began" : "start"}`;
    const r = await train(resume ? [...args, "--resume"] : args, { kill });
    killedAt.push(`${when}${r.signal === "SIGKILL" ? "" : " (finished first)"}`);
    if (r.signal === "SIGKILL") kills++;
    else {
      // It finished (or failed) before its kill: only a clean finish is acceptable.
      expect(r.code, r.stderr).toBe(0);
      finishedUnkilled++;
    }
    if (lastStep >= 0) expect(hasLatest(run), `latest.json vanished after a kill ${when}`).toBe(true);
    if (!hasLatest(run)) continue;
    const latest = await loadAndCheck(run);
    expect(latest.step, `latest went back from step ${lastStep} to ${latest.step} (kill ${when})`).toBeGreaterThanOrEqual(lastStep);
    lastStep = latest.step;
    steps.push(latest.step);
    for (const name of stepDirs(run)) await loadAndCheck(join(run, name));
  }

  const final = await train(hasLatest(run) ? [...args, "--resume"] : args);
  expect(final.code, final.stderr).toBe(0);
  expect(final.stderr).toMatch(new RegExp(`done after ${TOTAL} steps`));
  const done = await loadAndCheck(run);
  expect(done.step).toBe(TOTAL);
  expect(done.state.stageIndex).toBe(3);
  expect(done.state.history.length, "one history entry per step").toBe(TOTAL);
  const perStage = Object.fromEntries(["pretrain", "embed", "answer"].map((s) => [s, done.state.history.filter((h) => h.stage === s).map((h) => h.step)]));
  for (const [stage, n] of Object.entries(PLAN.steps)) expect(perStage[stage], stage).toEqual(Array.from({ length: n }, (_, i) => i));

  console.log(
    `${kills} SIGKILLs survived in ${((performance.now() - t0) / 1000).toFixed(0)} s (${finishedUnkilled} runs finished before their kill); ` +
      `checkpoint after each kill: ${steps.join(" ") || "none yet"}; resumed to step ${done.step}\nkills: ${killedAt.join("; ")}`,
  );
  expect(kills).toBeGreaterThan(0);
});
