/**
 * `npm run fuzz -- [--count N] [--seed S] [--target NAME …] [--index I]`
 *
 * Runs N inputs per target (default: each target's CI count) from seed S (default random,
 * printed) and prints, per target, how many inputs were tried and the outcome counts:
 * ok, typed errors by class, FAIL. Each FAIL is listed with its index and how the input
 * was made; `--index I` (with the same seed and target) runs that one input again.
 * Exits 1 if anything FAILed.
 */
import { initBackend } from "../../src/lib/backend.ts";
import { formatReports, runTarget, type TargetReport } from "./harness.ts";
import { TARGETS } from "./targets/index.ts";

interface Cli {
  count?: number;
  seed: number;
  targets: string[];
  index?: number;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { seed: Math.floor(Math.random() * 2 ** 31), targets: [] };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`fuzz: ${flag} needs a non-negative integer, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--count") cli.count = int(a, argv[++i]);
    else if (a === "--seed") cli.seed = int(a, argv[++i]);
    else if (a === "--index") cli.index = int(a, argv[++i]);
    else if (a === "--target") cli.targets.push(argv[++i] ?? "");
    else throw new Error(`fuzz: unknown argument ${a}; usage: --count N --seed S --target NAME --index I`);
  }
  for (const t of cli.targets) {
    if (!TARGETS.some((x) => x.name === t)) throw new Error(`fuzz: unknown target "${t}"; choose from ${TARGETS.map((x) => x.name).join(", ")}`);
  }
  return cli;
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  await initBackend({ backend: "cpu" });
  const targets = cli.targets.length > 0 ? TARGETS.filter((t) => cli.targets.includes(t.name)) : TARGETS;
  process.stderr.write(`seed ${cli.seed}\n`);
  const tty = Boolean(process.stderr.isTTY);
  const reports: TargetReport[] = [];
  for (const target of targets) {
    const count = cli.count ?? target.ciCount;
    const report = await runTarget(target, {
      seed: cli.seed,
      count,
      ...(cli.index !== undefined ? { index: cli.index } : {}),
      onInput: (i) => {
        if (tty && (i + 1) % 1000 === 0) process.stderr.write(`\r  ${target.name}: ${i + 1}/${count}`);
      },
    });
    reports.push(report);
    process.stderr.write(`${tty ? "\r\x1b[2K" : ""}${formatReports([report])}\n`);
    for (const f of report.failures.slice(0, 20)) process.stderr.write(`  FAIL #${f.index} [${f.label}]: ${f.reason}\n`);
    if (report.failures.length > 20) process.stderr.write(`  … and ${report.failures.length - 20} more\n`);
  }
  const tried = reports.reduce((n, r) => n + r.tried, 0);
  const failed = reports.reduce((n, r) => n + (r.outcomes.FAIL ?? 0), 0);
  process.stdout.write(`\nfuzz: seed ${cli.seed}, ${tried} inputs tried, ${failed} FAIL\n${formatReports(reports)}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
