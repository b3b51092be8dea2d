/**
 * Loader: kernel benchmark results committed under `data/bench/*.json` (each the
 * `{"rows": [...]}` that `npm run bench -- scan --json` prints), concatenated with the file
 * each row came from, and per file the machine that produced it and its headline ratios
 * (`runs`; absent in files written before benches recorded them). No directory or no files: `{"files": [], "rows": []}` and the page
 * says how to produce them. A JSON file without a `rows` array is not a bench result: it is
 * skipped with a warning and listed in `skipped`. Unreadable JSON exits non-zero.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../data/bench/", import.meta.url));

try {
  const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(".json")).sort() : [];
  const rows: Record<string, unknown>[] = [];
  const used: string[] = [];
  const skipped: string[] = [];
  const runs: { file: string; machine: unknown; ratios: unknown }[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(`${DIR}${file}`, "utf8"));
    } catch (e) {
      throw new Error(`data/bench/${file}: ${(e as Error).message}`);
    }
    const list = (parsed as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(list)) {
      process.stderr.write(`bench: data/bench/${file} has no "rows" array; skipped\n`);
      skipped.push(file);
      continue;
    }
    used.push(file);
    const { machine = null, ratios = null } = parsed as { machine?: unknown; ratios?: unknown };
    runs.push({ file: file.replace(/\.json$/, ""), machine, ratios });
    for (const row of list) rows.push({ ...(row as Record<string, unknown>), source: file.replace(/\.json$/, "") });
    process.stderr.write(`bench: ${file} ${list.length} rows\n`);
  }
  process.stdout.write(JSON.stringify({ files: used, skipped, runs, rows }));
} catch (err) {
  process.stderr.write(`bench loader: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
