import { describe, expect, it } from "vitest";
import { ABLATION_CODE_VERSION, canonicalJson, configHash } from "../../src/lib/ablation/hash.ts";
import { FACTOR_NAMES, FULL_MODEL } from "../../src/lib/ablation/factors.ts";
import { cellFields, findCell, planCells, pretrainFields } from "../../src/lib/ablation/plan.ts";
import { resolveRunConfig, runConfigInput } from "../../src/lib/train/run-config.ts";
import { MICRO_BASE } from "./micro.ts";

/** Every path to a leaf of a JSON value. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  return [path];
}

function withLeafChanged(v: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const x = o[last];
  o[last] = typeof x === "number" ? x + 1 : typeof x === "boolean" ? !x : typeof x === "string" ? `${x}-changed` : 1;
  return copy;
}

describe("config hashing", () => {
  const fields = cellFields(resolveRunConfig({ ...MICRO_BASE, ...FULL_MODEL, preset: "tiny", seed: 0 }));

  it("ignores key order at every depth and is stable across calls", () => {
    const a = { b: 1, a: { y: [1, { q: 2, p: 3 }], x: "s" } };
    const b = { a: { x: "s", y: [1, { p: 3, q: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(configHash("cell", a)).toBe(configHash("cell", b));
    expect(configHash("cell", fields)).toBe(configHash("cell", structuredClone(fields)));
    expect(configHash("cell", fields)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when any field of the resolved config changes, and with the kind", () => {
    const base = configHash("cell", fields);
    const paths = leaves(fields);
    expect(paths.length).toBeGreaterThan(30);
    const seen = new Set([base]);
    for (const p of paths) {
      const h = configHash("cell", withLeafChanged(fields, p));
      expect(h, `changing ${p.join(".")}`).not.toBe(base);
      seen.add(h);
    }
    expect(seen.size).toBe(paths.length + 1);
    expect(configHash("pretrain", fields)).not.toBe(base);
  });

  it("includes the code version, and refuses values JSON cannot hold", () => {
    expect(canonicalJson({ codeVersion: ABLATION_CODE_VERSION })).toBe(`{"codeVersion":${ABLATION_CODE_VERSION}}`);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/\$\.a/);
    expect(() => canonicalJson({ a: [undefined] })).toThrow(/\$\.a\[0\]/);
  });
});

describe("the plan", () => {
  const plan = planCells({ preset: "tiny", seeds: 2, base: MICRO_BASE });

  it("has one cell per distinct run, the full model shared by all seven factors, seed-major", () => {
    // 18 distinct runs per seed: the full model once, "Mamba only" = share 0% once, MLM alone
    // (Mamba × rationale "neither") = baselines "mlm" once, and the oracle.
    expect(plan.cells.length).toBe(36);
    expect(plan.cells.map((c) => c.seed)).toEqual([...Array(18).fill(0), ...Array(18).fill(1)]);
    const full = plan.cells.filter((c) => c.labels.length === 7);
    expect(full.map((c) => c.seed)).toEqual([0, 1]);
    expect(full[0]!.labels.map((l) => l.factor).sort()).toEqual([...FACTOR_NAMES].sort());
    const mambaOnly = plan.cells.find((c) => c.labels.some((l) => l.factor === "mamba_x_rationale" && l.variant === "mamba"))!;
    expect(mambaOnly.labels).toContainEqual({ factor: "step1_rationale_share", variant: "0" });
    const mlm = plan.cells.find((c) => c.labels.some((l) => l.factor === "baselines" && l.variant === "mlm"))!;
    expect(mlm.labels).toContainEqual({ factor: "mamba_x_rationale", variant: "neither" });
    expect(new Set(plan.cells.map((c) => c.id)).size).toBe(plan.cells.length);
    expect(resolveRunConfig(full[0]!.run).train.rationaleShare).toBe(0.9);
  });

  it("shares a pretrain key between cells of one seed and MLM size only", () => {
    const seed0 = plan.cells.filter((c) => c.seed === 0);
    const backbone = (c: (typeof seed0)[number]) => c.labels.find((l) => l.factor === "backbone")?.variant;
    const keys = new Set(seed0.filter((c) => backbone(c) === undefined || backbone(c) === "preset").map((c) => c.pretrainKey));
    expect(keys.size).toBe(1);
    expect(new Set(seed0.map((c) => c.pretrainKey)).size).toBe(3); // preset, smaller, larger MLM
    expect(plan.cells.find((c) => c.seed === 1)!.pretrainKey).not.toBe(seed0[0]!.pretrainKey);
    // exactly the pretrain's fields: the embedder, <tor>s, share and system do not enter it
    const run = resolveRunConfig(seed0[0]!.run);
    expect(JSON.stringify(pretrainFields(run))).not.toMatch(/embedder|numTor|placement|rationaleShare|system/);
    expect(runConfigInput(run).embedder).toBe("bert");
  });

  it("keys random-placement cells by the per-rationale scheme, and no other cell", () => {
    const random = cellFields(resolveRunConfig({ ...MICRO_BASE, ...FULL_MODEL, placement: "random", preset: "tiny", seed: 0 }));
    expect(random).toMatchObject({ randomPlacement: "per-rationale" });
    expect(cellFields(resolveRunConfig({ ...MICRO_BASE, ...FULL_MODEL, preset: "tiny", seed: 0 }))).not.toHaveProperty("randomPlacement");
  });

  it("finds cells by id or unique prefix, and names a bad id", () => {
    const c = plan.cells[5]!;
    expect(findCell(plan, c.id)).toBe(c);
    expect(findCell(plan, c.key.slice(0, 8))).toBe(c);
    expect(() => findCell(plan, "zz")).toThrow(/bad cell id "zz"/);
    expect(() => findCell(plan, "ffffffffffff")).toThrow(/no cell "ffffffffffff" in the plan/);
    expect(() => planCells({ preset: "tiny", factors: ["nope" as never] })).toThrow(/unknown ablation factor "nope"/);
  });
});
