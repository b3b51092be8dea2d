/**
 * Child process for meteor-checkpoint-crash.test.ts: saves checkpoints into a run
 * directory in an endless loop until it is killed.
 *
 *   node --import tsx test/io/meteor-checkpoint-crash-child.ts RUN_DIR FIXTURES_DIR
 *
 * It prints "ready" once started, then waits for a line "go FIRST_STEP" on stdin (so the
 * test can start the next child while it checks the last one's work). FIXTURES_DIR/A and
 * FIXTURES_DIR/B hold the files of two serialized checkpoints (made by the test with
 * `serializeCheckpoint`). Each step is saved twice, A then B, so half the saves replace an
 * existing checkpoint of the same step; the first one replaces FIRST_STEP, which the test
 * sets to the step latest.json names. The files are committed with `commitCheckpointDir`,
 * the directory half of `saveCheckpoint`, so this process never loads TensorFlow.js and
 * starts in a fraction of a second (the test runs it as transpiled JavaScript, which
 * starts faster still).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { commitCheckpointDir, stepDirName } from "../../src/lib/io/checkpoint-dir.ts";

const [runDir, fixtures] = process.argv.slice(2) as [string, string];
const read = (variant: string) =>
  new Map(readdirSync(join(fixtures, variant)).map((f) => [f, new Uint8Array(readFileSync(join(fixtures, variant, f)))] as const));
const variants = [read("A"), read("B")];

process.stdout.write("ready\n");
const go = await new Promise<string>((resolve) => process.stdin.once("data", (b) => resolve(String(b))));
const first = Number(/^go (\d+)/.exec(go)![1]);
for (let i = 0; ; i++) {
  await commitCheckpointDir(runDir, stepDirName(first + (i >> 1)), variants[i & 1]!, { keep: 2 });
}
