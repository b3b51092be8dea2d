/**
 * `meteor ablate` — the paper's Table 3 at playground scale: plans the cells of the chosen
 * factors and seeds, runs them against a cache directory (resumable, each finished cell
 * computed once), and writes the report (JSON + CSV) with the command, commit and machine.
 *
 * Beyond one machine, `--plan` prints each cell as its own command; those commands share
 * nothing but the cache directory, so a Slurm array or a Kubernetes Indexed Job runs them
 * (`--cell-index $SLURM_ARRAY_TASK_ID`), and `--report` merges what they left there.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend, type BackendChoice } from "../../lib/backend.ts";
import { FAMILIES } from "../../lib/data/sample.ts";
import { writeFileAtomic } from "../../lib/io/atomic-file.ts";
import { FACTOR_NAMES, type FactorName } from "../../lib/ablation/factors.ts";
import { findCell, labelText, planCells, type Plan, type PlannedCell } from "../../lib/ablation/plan.ts";
import { buildReport, cellsCsv, parsePaperTable3, reportCsv, type AblationReport } from "../../lib/ablation/report.ts";
import type { CellResult, MachineInfo } from "../../lib/ablation/result.ts";
import { readCellResult, runCell } from "../../lib/ablation/run-cell.ts";
import type { QuestionScope } from "../../lib/ablation/study-report.ts";
import { resolveRunConfig, type RunConfigInput } from "../../lib/train/run-config.ts";
import { runPriorCorrect, runSamples } from "../../lib/train/run-data.ts";
import { BACKEND_OPTION, UsageError, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { ProgressBar } from "../progress.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const HELP = `meteor ablate [--factor F[,F…]|all] [--seeds N] [--preset tiny|small] [options]

Runs the paper's Table 3 ablations at playground scale. Factors: ${FACTOR_NAMES.join(", ")}.
Each cell (one seed of one variant) is cached under --cache by the hash of its whole
config; a finished cell is never recomputed, an interrupted one resumes from its last
checkpoint, and cells of one seed share their cached pretrain stage. Cells run seed-major.

  --factor F[,F…]      factors to sweep (default all)
  --seeds N            seeds per variant (default 3)
  --preset tiny|small  run preset (default tiny)
  --cache DIR          cache directory (default .runs/ablations)
  --out DIR            where the report goes: DIR/<preset>.json, .csv, -cells.csv (default data/ablations)
  --jobs N             cells at once, each in its own process (default 1)
  --plan               print one command per cell (meteor ablate … --cell ID) and exit
  --cell ID            run one cell of the plan (a Slurm or Kubernetes array task)
  --cell-index I       run the plan's I-th cell (0-based)
  --report             write the report from the cache, training nothing
  --json               print the report (or, with --plan, the cells) as JSON on stdout
  --base FILE.json     run-config fields for every cell (sizes, data, steps: smoke runs)
  --steps-pretrain N --steps-embed N --steps-answer N --train-size N --test-size N
                       the same for the common few
  --backend NAME       tensorflow | webgpu | wasm | cpu (default auto)

Exit status 1 if a cell failed; 130 if interrupted (the cell's checkpoint is kept).`;

const OPTIONS = {
  factor: { type: "string" },
  seeds: { type: "string" },
  preset: { type: "string" },
  cache: { type: "string" },
  out: { type: "string" },
  jobs: { type: "string" },
  plan: { type: "boolean" },
  cell: { type: "string" },
  "cell-index": { type: "string" },
  report: { type: "boolean" },
  json: { type: "boolean" },
  base: { type: "string" },
  "steps-pretrain": { type: "string" },
  "steps-embed": { type: "string" },
  "steps-answer": { type: "string" },
  "train-size": { type: "string" },
  "test-size": { type: "string" },
  ...BACKEND_OPTION,
} as const;

/** The flags that define the plan: a `--cell` command must repeat them to find its cell. */
const PLAN_FLAGS = ["preset", "factor", "seeds", "cache", "base", "steps-pretrain", "steps-embed", "steps-answer", "train-size", "test-size", "backend"] as const;

function int(flag: string, v: string | boolean | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, got "${String(v)}"`);
  return n;
}

function parseFactors(v: string | undefined): FactorName[] {
  if (v === undefined || v === "all") return [...FACTOR_NAMES];
  const names = v.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!(FACTOR_NAMES as readonly string[]).includes(n)) throw new UsageError(`unknown factor "${n}"; known: ${FACTOR_NAMES.join(", ")} (or all)`);
  }
  return names as FactorName[];
}

async function baseOf(values: Record<string, string | boolean | undefined>): Promise<Omit<RunConfigInput, "preset" | "seed">> {
  let base: Omit<RunConfigInput, "preset" | "seed"> = {};
  if (typeof values.base === "string") {
    try {
      base = JSON.parse(await readFile(values.base, "utf8"));
    } catch (e) {
      throw new UsageError(`--base ${values.base}: ${(e as Error).message}`);
    }
    if (base === null || typeof base !== "object" || Array.isArray(base)) throw new UsageError(`--base ${values.base}: must hold a JSON object of run-config fields`);
    if ("preset" in base || "seed" in base) throw new UsageError(`--base ${values.base}: preset and seed come from --preset and --seeds`);
  }
  const steps = { ...base.steps };
  for (const s of ["pretrain", "embed", "answer"] as const) {
    const n = int(`steps-${s}`, values[`steps-${s}`], 0);
    if (n !== undefined) steps[s] = n;
  }
  const trainSize = int("train-size", values["train-size"], 1);
  const testSize = int("test-size", values["test-size"], 1);
  return {
    ...base,
    ...(Object.keys(steps).length ? { steps } : {}),
    ...(trainSize !== undefined ? { trainSize } : {}),
    ...(testSize !== undefined ? { testSize } : {}),
  };
}

function machineInfo(backend: string): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    backend,
  };
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

async function loadResults(plan: Plan, cacheDir: string): Promise<Map<string, CellResult>> {
  const out = new Map<string, CellResult>();
  for (const c of plan.cells) {
    const r = await readCellResult(cacheDir, c);
    if (r) out.set(c.key, r);
  }
  return out;
}

async function writeReport(plan: Plan, cacheDir: string, outDir: string, meta: { command: string; commit: string; machine: MachineInfo }): Promise<AblationReport> {
  const results = await loadResults(plan, cacheDir);
  const paper = parsePaperTable3(await readFile(join(ROOT, "data/paper/ablations-table3.csv"), "utf8"));
  const report = buildReport(plan, results, { ...meta, families: FAMILIES, paper, ...testQuestions(plan) });
  await mkdir(outDir, { recursive: true });
  const enc = (s: string) => new TextEncoder().encode(s);
  await writeFileAtomic(join(outDir, `${plan.preset}.json`), enc(`${JSON.stringify(report, null, 1)}\n`));
  await writeFileAtomic(join(outDir, `${plan.preset}.csv`), enc(reportCsv(report)));
  await writeFileAtomic(join(outDir, `${plan.preset}-cells.csv`), enc(cellsCsv(plan, results, FAMILIES)));
  return report;
}

/**
 * The test questions every cell of the plan scores (its first cell's run: cells differ in
 * model and training, not in data), by family and tier, with the template prior's hits.
 */
function testQuestions(plan: Plan): { questions: QuestionScope[]; priorCorrect: boolean[] } | Record<string, never> {
  const first = plan.cells[0];
  if (!first) return {};
  const run = resolveRunConfig(first.run);
  const test = runSamples(run, "test");
  return {
    questions: test.map((s) => ({ family: s.family, tier: s.tier })),
    priorCorrect: runPriorCorrect(run, test),
  };
}

function summary(report: AblationReport): string {
  const lines = [`${report.cellsDone}/${report.cellsTotal} cells done (${report.preset}, ${report.seeds} seeds)`];
  for (const f of report.factors) lines.push(`  ${f.name}: ${f.verdict.sentence}`);
  lines.push(`  summary: ${report.summary.sentence}`);
  return lines.join("\n");
}

export const ablateCommand: Command = {
  summary: "Table 3 ablations: plan, run (cached, resumable, parallel) and report",
  async run(argv) {
    const args = parseCommandArgs(argv, OPTIONS, HELP);
    if (!args) return;
    const v = args.values;
    const preset = (v.preset as string | undefined) ?? "tiny";
    const cacheDir = (v.cache as string | undefined) ?? join(ROOT, ".runs/ablations");
    const outDir = (v.out as string | undefined) ?? join(ROOT, "data/ablations");
    const jobs = int("jobs", v.jobs, 1) ?? 1;
    let plan: Plan;
    try {
      plan = planCells({ preset, factors: parseFactors(v.factor as string | undefined), seeds: int("seeds", v.seeds, 1) ?? 3, base: await baseOf(v) });
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError((e as Error).message);
    }
    const planArgs = PLAN_FLAGS.flatMap((f) => (v[f] === undefined ? [] : [`--${f}`, String(v[f])]));
    const cellCommand = (c: PlannedCell) => ["node", "bin/meteor.js", "ablate", ...planArgs, "--cell", c.id].map(quote).join(" ");
    const command = ["meteor", "ablate", ...argv].map(quote).join(" ");

    if (v.plan) {
      if (v.json) console.log(JSON.stringify(plan.cells.map((c) => ({ id: c.id, seed: c.seed, labels: c.labels, command: cellCommand(c) })), null, 1));
      else for (const c of plan.cells) console.log(cellCommand(c));
      console.error(`${plan.cells.length} cells (${plan.seeds} seeds × ${plan.factors.map((f) => f.name).join(", ")}), seed-major`);
      return;
    }
    if (v.report) {
      const report = await writeReport(plan, cacheDir, outDir, { command, commit: gitCommit(), machine: machineInfo("none") });
      if (v.json) console.log(JSON.stringify(report));
      console.error(summary(report));
      return;
    }

    let only: PlannedCell[] | null = null;
    if (v.cell !== undefined) {
      try {
        only = [findCell(plan, String(v.cell))];
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    } else if (v["cell-index"] !== undefined) {
      const i = int("cell-index", v["cell-index"], 0)!;
      if (i >= plan.cells.length) throw new UsageError(`--cell-index ${i} is out of range: the plan has ${plan.cells.length} cells (0…${plan.cells.length - 1})`);
      only = [plan.cells[i]!];
    }

    if (jobs > 1 && !only) {
      await runChildren(plan, jobs, planArgs);
      const report = await writeReport(plan, cacheDir, outDir, { command, commit: gitCommit(), machine: machineInfo("children") });
      if (v.json) console.log(JSON.stringify(report));
      console.error(summary(report));
      if (report.cellsDone < report.cellsTotal) process.exitCode = 1;
      return;
    }

    const backend = await initBackend({ backend: v.backend as BackendChoice | undefined, log: (l) => console.error(l) });
    const provenance = { command, commit: gitCommit(), machine: machineInfo(backend) };
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      console.error("interrupt: saving the cell's checkpoint (Ctrl-C again to quit at once)");
      controller.abort();
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigint);
    try {
      const cells = only ?? plan.cells;
      for (const [i, cell] of cells.entries()) {
        const head = `[${i + 1}/${cells.length}] cell ${cell.id} (seed ${cell.seed}: ${labelText(cell.labels)})`;
        let bar: ProgressBar | undefined;
        const t0 = performance.now();
        const outcome = await runCell(cell, {
          cacheDir,
          provenance,
          signal: controller.signal,
          log: (l) => (bar ? bar.log(l) : console.error(l)),
          onStep: (r) => {
            bar ??= new ProgressBar(r.totalSteps, `${cell.id} ${r.phase}`);
            bar.update(r.globalStep, { stage: r.stage, loss: r.loss });
            if (r.globalStep === r.totalSteps) bar = undefined;
          },
        });
        const secs = ((performance.now() - t0) / 1000).toFixed(0);
        if (outcome.status === "interrupted") {
          console.error(`${head}: interrupted after ${outcome.stepsRun} steps; rerun the same command to continue`);
          process.exitCode = 130;
          return;
        }
        const acc = (100 * outcome.result.test.overall.accuracy).toFixed(1);
        console.error(`${head}: ${outcome.status === "cached" ? "cached" : `done in ${secs} s`}, accuracy ${acc}%`);
        if (!only) await writeReport(plan, cacheDir, outDir, provenance);
      }
      if (!only) {
        const report = await writeReport(plan, cacheDir, outDir, provenance);
        if (v.json) console.log(JSON.stringify(report));
        console.error(summary(report));
      } else if (v.json) {
        console.log(JSON.stringify(await readCellResult(cacheDir, only[0]!)));
      }
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigint);
    }
  },
};

/** Runs the plan's unfinished cells as `--cell` children, `jobs` at a time, in plan order. */
async function runChildren(plan: Plan, jobs: number, planArgs: string[]): Promise<void> {
  const queue = [...plan.cells];
  const failed: string[] = [];
  const worker = async () => {
    for (let cell = queue.shift(); cell; cell = queue.shift()) {
      const c = cell;
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "ablate", ...planArgs, "--cell", c.id], { stdio: ["ignore", "ignore", "pipe"] });
        let rest = "";
        child.stderr.on("data", (d: Buffer) => {
          const lines = (rest + d.toString()).split(/\r?\n|\r/);
          rest = lines.pop() ?? "";
          for (const l of lines) if (l.trim()) process.stderr.write(`${c.id}| ${l.replace(/\x1b\[[0-9;]*K/g, "")}\n`);
        });
        child.on("close", resolve);
      });
      if (code !== 0) failed.push(`${c.id} (exit ${code})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
  if (failed.length) console.error(`failed cells: ${failed.join(", ")}`);
}
