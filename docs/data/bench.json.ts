/**
 * Loader: kernel benchmark results committed under `data/bench/*.json` (each the
 * `{"rows": [...]}` that `npm run bench -- scan --json` prints), concatenated with the file
 * each row came from. No directory or no files: `{"files": [], "rows": []}` and the page
 * says how to produce them. A file without a `rows` array exits non-zero.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../data/bench/", import.meta.url));

try {
  const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(".json")).sort() : [];
  const rows: Record<string, unknown>[] = [];
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(`${DIR}${file}`, "utf8"));
    const list = (parsed as { rows?: unknown }).rows;
    if (!Array.isArray(list)) throw new Error(`data/bench/${file}: expected {"rows": [...]}`);
    for (const row of list) rows.push({ ...(row as Record<string, unknown>), source: file.replace(/\.json$/, "") });
    process.stderr.write(`bench: ${file} ${list.length} rows\n`);
  }
  process.stdout.write(JSON.stringify({ files, rows }));
} catch (err) {
  process.stderr.write(`bench loader: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
