/** The paper's Table 3 as data (`data/paper/ablations-table3.csv`). */

/** One row of the paper's Table 3 (data/paper/ablations-table3.csv). */
export interface PaperRow {
  factor: string;
  variant: string;
  fullModel: boolean;
  /** Metric → score; null where the paper reports none ("-"). */
  scores: Record<string, number | null>;
}

/** Parses data/paper/ablations-table3.csv (factor,variant,is_full_model,metrics…; "-" = not reported). */
export function parsePaperTable3(text: string): PaperRow[] {
  const [header, ...rows] = text.trim().split(/\r?\n/).map((l) => l.split(",").map((c) => c.trim()));
  if (!header || header[0] !== "factor" || header[1] !== "variant") throw new Error("ablations-table3.csv: header must start factor,variant");
  const metrics = header.slice(3);
  return rows.map((r, i) => {
    if (r.length !== header.length) throw new Error(`ablations-table3.csv:${i + 2}: ${r.length} fields, header has ${header.length}`);
    return {
      factor: r[0]!,
      variant: r[1]!,
      fullModel: r[2] === "true",
      scores: Object.fromEntries(metrics.map((m, j) => [m, r[3 + j] === "-" ? null : Number(r[3 + j])])),
    };
  });
}

/** The paper's score of a row: the mean of its MMB and MM-Vet, or null. */
export const paperMean = (row: PaperRow | null | undefined): number | null => {
  if (!row) return null;
  const xs = ["MMB", "MM_Vet"].map((m) => row.scores[m]).filter((x): x is number => typeof x === "number");
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};

