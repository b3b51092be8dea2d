/**
 * Loader: the ablation sweeps' reports for the Ablations page — the study's
 * (`data/ablations/study.json`, with its paired comparisons; null before one is committed)
 * and the tiny sweep's (`data/ablations/tiny.json`) — with the paper's Table 3 rows. Without
 * a tiny report yet, the report of an empty cache: every factor and variant planned, none
 * finished, so the page says "no results yet" per factor. JSON on stdout; problems on stderr
 * with a non-zero exit.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { planCells } from "../../src/lib/ablation/plan.ts";
import { buildReport, factorVerdict, parsePaperTable3, type AblationReport } from "../../src/lib/ablation/report.ts";
import { summarizeVerdicts } from "../../src/lib/ablation/verdict.ts";
import { FAMILIES } from "../../src/lib/data/sample.ts";

const DATA = fileURLToPath(new URL("../../data/", import.meta.url));
const PRESET = "tiny";

try {
  const paper = parsePaperTable3(readFileSync(`${DATA}paper/ablations-table3.csv`, "utf8"));
  const file = `${DATA}ablations/${PRESET}.json`;
  let report: AblationReport;
  if (existsSync(file)) {
    report = JSON.parse(readFileSync(file, "utf8")) as AblationReport;
    if (!report.summary) {
      // a report written before verdicts had `sameBest` and the report its summary: both from its numbers
      for (const f of report.factors) f.verdict = factorVerdict(f);
      report.summary = summarizeVerdicts(report.factors);
    }
  }
  else {
    process.stderr.write(`ablations: no ${file} yet; every factor is shown without results\n`);
    const none = { cpus: 0, cpuModel: "", memoryGiB: 0, platform: "", node: "", backend: "" };
    report = buildReport(planCells({ preset: PRESET }), new Map(), { command: "", commit: "", machine: none, families: FAMILIES, paper, generatedAt: "" });
  }
  const studyFile = `${DATA}ablations/study.json`;
  const study = existsSync(studyFile) ? (JSON.parse(readFileSync(studyFile, "utf8")) as AblationReport) : null;
  process.stdout.write(JSON.stringify({ report, study, paper }));
} catch (err) {
  process.stderr.write(`ablations loader: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
