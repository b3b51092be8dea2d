/**
 * Where a training step's time goes (`npm run bench -- profile`): milliseconds per op kind,
 * stacked, one bar per profiled variant — the committed run on main before the native
 * kernels ("profile-main"), and the latest run's composed and fused variants. Rows come from
 * `data/bench/profile*.json` via the `bench.json` loader; nothing here measures anything.
 */
import * as Plot from "@observablehq/plot";
import { fitWidth } from "./dom.js";

export interface ProfileRow {
  source: string;
  bench: "profile";
  preset: string;
  stage: string;
  /** Absent in runs made before the bench compared variants. */
  variant?: string;
  kind: string;
  ms: number;
  share: number;
  launches: number;
}

export interface ProfileKernelRow {
  source: string;
  bench: "profile-kernel";
  variant?: string;
  kernel: string;
  kind: string;
  ms: number;
  launches: number;
}

/** The op kinds in the order the bench reports them (and the chart stacks them). */
export const OP_KINDS = ["matmul", "scan", "element-wise", "gather/scatter", "layout", "optimizer", "framework"];

export const profileRows = (rows: readonly Record<string, unknown>[]): ProfileRow[] => rows.filter((r) => r.bench === "profile") as unknown as ProfileRow[];
export const profileKernelRows = (rows: readonly Record<string, unknown>[]): ProfileKernelRow[] => rows.filter((r) => r.bench === "profile-kernel") as unknown as ProfileKernelRow[];

/** "file · variant" — what one bar stands for. */
export const profileRun = (r: { source: string; variant?: string }): string => `${r.source} · ${r.variant ?? "as committed"}`;

/** Stacked ms per step by op kind, one bar per (file, variant). */
export function profileChart(rows: readonly ProfileRow[], { width }: { width: number }): SVGSVGElement | HTMLElement {
  const data = rows.map((r) => ({ ...r, run: profileRun(r) }));
  return Plot.plot({
    width: fitWidth(width, 560),
    marginLeft: 190,
    x: { label: "ms per training step (small preset, answer stage) →", grid: true },
    y: { label: null },
    color: { legend: true, domain: OP_KINDS, scheme: "tableau10" },
    marks: [
      Plot.barX(data, Plot.stackX({ x: "ms", y: "run", fill: "kind", order: OP_KINDS, tip: { format: { share: (s: number) => `${(s * 100).toFixed(1)} %` } }, channels: { share: "share", launches: "launches" } })),
      Plot.ruleX([0]),
    ],
  });
}
