/**
 * Loader: the paper's score tables (`data/paper/*.csv`) as JSON for the Benchmarks page.
 * "-" (not reported) and "?" (unrecoverable) become null scores with the reason kept;
 * a source in parentheses labels a row ("Gemini-Pro (README)"); two rows of one model
 * with different sources are where the sources disagree. JSON on stdout; a malformed file is reported on stderr with a non-zero exit.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AblationRow, MissingReason, ScoreRow, ScoreTable } from "../components/scores.ts";

const DIR = fileURLToPath(new URL("../../data/paper/", import.meta.url));

const TITLES: Record<string, string> = {
  "scores-7b-open": "Open-source LLVMs of about 7B parameters",
  "scores-large-open": "Larger open-source LLVMs",
  "scores-closed": "Closed-source LLVMs",
  "scores-mamba-llvms": "Mamba-based LLVMs",
  "scores-mathverse": "MathVerse (by problem version)",
  "scores-mmstar": "MMStar (by core capability)",
};

function parseCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(`${DIR}${file}`, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
  const [header, ...rest] = lines.map((l) => l.split(",").map((c) => c.trim()));
  if (!header) throw new Error(`${file}: empty`);
  rest.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`${file}:${i + 2}: ${r.length} fields, header has ${header.length}`);
  });
  return { header, rows: rest };
}

function score(file: string, cell: string): { value: number | null; missing?: MissingReason } {
  if (cell === "-") return { value: null, missing: "not reported" };
  if (cell === "?") return { value: null, missing: "unrecoverable" };
  const value = Number(cell);
  if (!Number.isFinite(value)) throw new Error(`${file}: "${cell}" is neither a number, "-" nor "?"`);
  return { value };
}

try {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".csv")).sort();
  const tables: ScoreTable[] = [];
  let ablations: AblationRow[] = [];
  let ablationMetrics: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.csv$/, "");
    const { header, rows } = parseCsv(file);
    if (name === "ablations-table3") {
      const metrics = header.slice(3);
      ablationMetrics = metrics;
      ablations = rows.map(([factor, variant, full, ...cells]) => ({
        factor: factor!,
        variant: variant!,
        fullModel: full === "true",
        scores: Object.fromEntries(metrics.map((m, j) => [m, score(file, cells[j]!).value])),
      }));
      continue;
    }
    const benchmarks = header.slice(1);
    const out: ScoreRow[] = rows.map(([model, ...cells]) => {
      const parsed = benchmarks.map((b, j) => [b, score(file, cells[j]!)] as const);
      return {
        model: model!,
        scores: Object.fromEntries(parsed.map(([b, s]) => [b, s.value])),
        missing: Object.fromEntries(parsed.filter(([, s]) => s.missing).map(([b, s]) => [b, s.missing!])),
        meteor: /^Meteor\b/.test(model!),
        source: /\(([^)]*)\)\s*$/.exec(model!)?.[1] ?? null,
        disagrees: false,
      };
    });
    const base = (model: string) => model.replace(/\s*\([^)]*\)\s*$/, "");
    for (const r of out) r.disagrees = out.filter((o) => base(o.model) === base(r.model)).length > 1;
    tables.push({ name, title: TITLES[name] ?? name, benchmarks, rows: out });
  }
  const order = Object.keys(TITLES);
  tables.sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99));
  process.stdout.write(JSON.stringify({ tables, ablations, ablationMetrics }));
} catch (err) {
  process.stderr.write(`paper-scores loader: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
