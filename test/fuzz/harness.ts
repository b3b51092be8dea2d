/**
 * The fuzz harness: runs a target's generated inputs one at a time and sorts each into
 * "ok" (a result that passes the target's checks), a typed error (by class name), or FAIL.
 *
 * An input FAILs when the call
 * - throws anything but an instance of one of the target's error classes, or one with an
 *   empty message (a TypeError from inside the parser is a crash, not a refusal);
 * - returns a result the target's `check` finds wrong (a NaN that was not in the input, a
 *   shape that disagrees with the header, …), or throws a typed error `check` rejects;
 * - takes longer than `MAX_CALL_MS` (a hang, or work proportional to a lying length);
 * - grows `process.memoryUsage().arrayBuffers` by more than the target's bound (an
 *   allocation sized by what a header claims rather than by the bytes given);
 * - leaves TensorFlow.js tensors behind (after the target disposes what it returned).
 */
import * as tf from "../../src/lib/tf.ts";
import { Rand, seedFor } from "./rand.ts";

/** Slowest acceptable call. Every input is a few KB; a second is a hang. */
export const MAX_CALL_MS = 1000;
/** Default bound on one call's growth of `arrayBuffers` (inputs are at most ~100 KB). */
export const MAX_ARRAY_BUFFER_GROWTH = 64 * 2 ** 20;

export type ErrorClass = abstract new (...args: never[]) => Error;

export type Outcome<O> = { ok: true; value: O } | { ok: false; error: Error };

/** One generated input and a short description of how it was made (for failure reports). */
export interface FuzzCase<I> {
  input: I;
  label: string;
}

export interface FuzzTarget<I = unknown, O = unknown> {
  name: string;
  /** What the target feeds where, one line. */
  about: string;
  /** Errors that count as a typed refusal. RangeError/TypeError only where the API documents them (and `check` confirms). */
  errors: readonly ErrorClass[];
  /** Inputs the vitest suite runs (the whole suite stays under ~20 s). */
  ciCount: number;
  /** One-time preparation (base files, rendered images); idempotent. */
  setup?(): Promise<void>;
  generate(rand: Rand, index: number): FuzzCase<I> | Promise<FuzzCase<I>>;
  call(input: I): O | Promise<O>;
  /** A problem with the outcome, or null. Sees successes and typed errors alike. */
  check?(outcome: Outcome<O>, input: I): string | null;
  /** Frees what a successful call returned (tensors). */
  dispose?(value: O): void;
  /** Bound on `arrayBuffers` growth for this input, bytes. Default MAX_ARRAY_BUFFER_GROWTH. */
  memoryBound?(input: I): number;
}

export interface Failure {
  index: number;
  label: string;
  reason: string;
}

export interface TargetReport {
  target: string;
  tried: number;
  /** Counts by outcome: "ok", an error class name, or "FAIL". */
  outcomes: Record<string, number>;
  failures: Failure[];
  seconds: number;
}

export interface RunOptions {
  seed: number;
  count: number;
  /** Run only this index (to reproduce a failure). */
  index?: number;
  /** Called after each input (progress). */
  onInput?: (index: number) => void;
}

const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 300)}` : `non-Error thrown: ${String(e).slice(0, 300)}`;

/** Runs `count` inputs of `target` (or the one `index`) and tallies the outcomes. */
export async function runTarget<I, O>(target: FuzzTarget<I, O>, opts: RunOptions): Promise<TargetReport> {
  await target.setup?.();
  const report: TargetReport = { target: target.name, tried: 0, outcomes: {}, failures: [], seconds: 0 };
  const t0 = performance.now();
  const indices = opts.index !== undefined ? [opts.index] : Array.from({ length: opts.count }, (_, i) => i);
  for (const index of indices) {
    const { input, label } = await target.generate(new Rand(seedFor(opts.seed, target.name, index)), index);
    const { outcome, reason } = await runOne(target, input);
    report.tried++;
    const key = reason !== null ? "FAIL" : outcome.ok ? "ok" : className(target, outcome.error);
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
    if (reason !== null) report.failures.push({ index, label, reason });
    opts.onInput?.(index);
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

function className<I, O>(target: FuzzTarget<I, O>, error: Error): string {
  return target.errors.find((c) => error instanceof c)?.name ?? error.constructor.name;
}

async function runOne<I, O>(target: FuzzTarget<I, O>, input: I): Promise<{ outcome: Outcome<O>; reason: string | null }> {
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let outcome: Outcome<O>;
  try {
    outcome = { ok: true, value: await target.call(input) };
  } catch (e) {
    if (!(e instanceof Error)) return { outcome: { ok: false, error: new Error(String(e)) }, reason: describeError(e) };
    outcome = { ok: false, error: e };
  }
  const ms = performance.now() - t0;
  const growth = process.memoryUsage().arrayBuffers - buffersBefore;

  const problems: string[] = [];
  if (!outcome.ok) {
    const e = outcome.error;
    if (!target.errors.some((c) => e instanceof c)) problems.push(`untyped ${describeError(e)}${e.stack ? ` at ${e.stack.split("\n")[1]?.trim()}` : ""}`);
    else if (e.message.trim() === "") problems.push(`${e.constructor.name} with an empty message`);
  }
  try {
    const p = target.check?.(outcome, input) ?? null;
    if (p !== null) problems.push(p);
  } catch (e) {
    problems.push(`check threw ${describeError(e)}`);
  }
  if (outcome.ok) target.dispose?.(outcome.value);
  if (ms > MAX_CALL_MS) problems.push(`took ${ms.toFixed(0)} ms (limit ${MAX_CALL_MS})`);
  const bound = target.memoryBound?.(input) ?? MAX_ARRAY_BUFFER_GROWTH;
  if (growth > bound) problems.push(`arrayBuffers grew by ${(growth / 2 ** 20).toFixed(1)} MiB (bound ${(bound / 2 ** 20).toFixed(1)} MiB)`);
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) problems.push(`${leaked} tensors left behind`);
  return { outcome, reason: problems.length > 0 ? problems.join("; ") : null };
}

/** One line per target: tried, ok, typed errors by class, FAIL. */
export function formatReports(reports: readonly TargetReport[]): string {
  const lines = reports.map((r) => {
    const typed = Object.entries(r.outcomes)
      .filter(([k]) => k !== "ok" && k !== "FAIL")
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`);
    const parts = [`ok ${r.outcomes.ok ?? 0}`, ...typed, `FAIL ${r.outcomes.FAIL ?? 0}`];
    return [r.target, `${r.tried} tried`, parts.join(", "), `${r.seconds.toFixed(1)} s`];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => `${l[0]!.padEnd(widths[0]!)}  ${l[1]!.padStart(widths[1]!)}  ${l[2]!.padEnd(widths[2]!)}  ${l[3]}`).join("\n");
}
