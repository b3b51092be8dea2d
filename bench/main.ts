/**
 * Benchmark entry: `npm run bench -- [name …] [--json] [--quick] [--backend NAME] [--budget S] [--preset P]
 * [--peak-gbs GB/s] [--out FILE]` (= `tsx bench/main.ts …`). Positional arguments pick benches by name; none runs
 * them all but the soak. Progress goes to stderr; stdout gets a table per bench, or with
 * --json one object `{"machine", "rows", "ratios"}`: the machine and command that produced the
 * numbers, the rows of every bench run, and `ratios` — ours divided by the peer measured in
 * the same run, higher is better (`scanVsC`: fused native scan ÷ plain C loop; `trainVsTorch`:
 * tiny training tokens/s ÷ PyTorch CPU's; null when that bench or peer did not run). `--out`
 * also writes that object to FILE (atomically). Exits non-zero on failure, including a kernel
 * that disagrees with its reference.
 *
 * To add a bench: write `bench/<name>.ts` exporting a function that takes the common options
 * and returns `{ rows }` plus a table formatter, and list it in `BENCHES`.
 */
import { initBackend, type BackendChoice } from "../src/lib/backend.ts";
import { writeFileAtomic } from "../src/lib/io/atomic-file.ts";
import { loadavg } from "node:os";
import { describeMachine } from "./machine.ts";
import { formatScanTable, runScanBench, type ScanBenchResult } from "./scan.ts";
import { benchRatios } from "./ratios.ts";
import { formatMatMulTable, runMatMulBench, type MatMulRow } from "./matmul.ts";
import { formatSoakTable, runSoakBench, type SoakBenchResult } from "./soak.ts";
import { formatTrainTable, runTrainBench, type TrainBenchResult } from "./train.ts";
import { formatProfileTable, runProfileBench, type ProfileBenchResult } from "./profile.ts";
import type { BenchOptions } from "./options.ts";
import { formatScalingTable, runScalingBench, type ScalingBenchResult } from "./scaling.ts";

interface Bench {
  run(opts: BenchOptions): Promise<{ rows: object[] }>;
  table(result: { rows: object[] }): string;
}

/** In the order `npm run bench` runs them: train first, while the process's peak resident memory is its own (see bench/train.ts). */
const BENCHES: Record<string, Bench> = {
  train: {
    run: (opts) => runTrainBench(opts),
    table: (result) => formatTrainTable(result as TrainBenchResult),
  },
  scan: {
    run: (opts) => runScanBench(opts),
    table: (result) => formatScanTable(result as ScanBenchResult),
  },
  matmul: {
    run: (opts) => runMatMulBench(opts),
    table: (result) => formatMatMulTable(result as { rows: MatMulRow[] }),
  },
  profile: {
    run: (opts) => runProfileBench(opts),
    table: (result) => formatProfileTable(result as ProfileBenchResult),
  },
  scaling: {
    run: (opts) => runScalingBench(opts),
    table: (result) => formatScalingTable(result as ScalingBenchResult),
  },
  soak: {
    run: (opts) => runSoakBench(opts),
    table: (result) => formatSoakTable(result as SoakBenchResult),
  },
};

interface Cli {
  names: string[];
  json: boolean;
  quick: boolean;
  backend?: BackendChoice;
  budgetSeconds?: number;
  peakGBs?: number;
  preset?: string;
  out?: string;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { names: [], json: false, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") cli.json = true;
    else if (a === "--quick") cli.quick = true;
    else if (a === "--backend") cli.backend = argv[++i] as BackendChoice;
    else if (a === "--budget") cli.budgetSeconds = Number(argv[++i]);
    else if (a === "--peak-gbs") cli.peakGBs = Number(argv[++i]);
    else if (a === "--preset") cli.preset = argv[++i];
    else if (a === "--out") {
      cli.out = argv[++i];
      if (!cli.out) throw new Error("bench: --out needs a file name");
    }
    else if (a.startsWith("--")) throw new Error(`bench: unknown option ${a}`);
    else cli.names.push(a);
  }
  for (const name of cli.names) {
    if (!(name in BENCHES)) throw new Error(`bench: unknown bench "${name}"; choose from ${Object.keys(BENCHES).join(", ")}`);
  }
  if (cli.budgetSeconds !== undefined && !(cli.budgetSeconds > 0)) throw new Error("bench: --budget must be a positive number of seconds");
  if (cli.peakGBs !== undefined && !(cli.peakGBs > 0)) throw new Error("bench: --peak-gbs must be a positive bandwidth in GB/s");
  return cli;
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadAtStart = loadavg()[0]!;
  const kernelLines: string[] = [];
  const backend = await initBackend({ ...(cli.backend ? { backend: cli.backend } : {}), log: (l) => (log(l), kernelLines.push(l)) });
  // soak trains for hours at full size: it runs only when named
  const names = cli.names.length > 0 ? cli.names : Object.keys(BENCHES).filter((n) => n !== "soak");
  const rows: object[] = [];
  for (const name of names) {
    const bench = BENCHES[name]!;
    const result = await bench.run({ quick: cli.quick, ...(cli.budgetSeconds ? { budgetSeconds: cli.budgetSeconds } : {}), ...(cli.peakGBs ? { peakGBs: cli.peakGBs } : {}), ...(cli.preset ? { preset: cli.preset } : {}), log });
    rows.push(...result.rows);
    if (!cli.json) process.stdout.write(`\n${name}\n${bench.table(result)}\n`);
  }
  const machine = describeMachine({ loadAtStart, backend, kernels: kernelLines.find((l) => l.startsWith("kernels:")) ?? "", command: `npm run bench -- ${process.argv.slice(2).join(" ")}` });
  const report = { machine, rows, ratios: benchRatios(rows) };
  if (cli.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`\nratios (ours ÷ peer, same run; higher is better): ${JSON.stringify(report.ratios)}\n`);
  if (cli.out) await writeFileAtomic(cli.out, new TextEncoder().encode(`${JSON.stringify(report, null, 1)}\n`));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
