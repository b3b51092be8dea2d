/** Caching, pretrain sharing, resume after an abort, and corrupt cache files (micro cells, cpu). */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../src/lib/tf.ts";
import { initBackend } from "../../src/lib/backend.ts";
import { planCells, type PlannedCell } from "../../src/lib/ablation/plan.ts";
import { AblationCacheError } from "../../src/lib/ablation/result.ts";
import { readCellResult, resultPath, runCell } from "../../src/lib/ablation/run-cell.ts";
import { MICRO_BASE, PROVENANCE } from "./micro.ts";

const plan = planCells({ preset: "tiny", seeds: 1, factors: ["tor_count"], base: MICRO_BASE });
const [tor2, tor5] = plan.cells as [PlannedCell, PlannedCell];
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ablation-"));
  dirs.push(d);
  return d;
};

/** Every file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile());
}

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the ablation cache", () => {
  let cache: string;
  let uninterrupted: Awaited<ReturnType<typeof runCell>>;

  it("trains a cell once: the second call does zero training steps and returns the same result", async () => {
    cache = tmp();
    const before = tf.memory().numTensors;
    uninterrupted = await runCell(tor2, { cacheDir: cache, provenance: PROVENANCE });
    expect(uninterrupted.status).toBe("done");
    expect(uninterrupted.stepsRun).toBe(7); // pretrain 2 + embed 3 + answer 2
    expect(tf.memory().numTensors).toBe(before);
    let steps = 0;
    const again = await runCell(tor2, { cacheDir: cache, provenance: PROVENANCE, onStep: () => steps++ });
    expect(again.status).toBe("cached");
    expect(steps).toBe(0);
    expect(again.status !== "interrupted" && again.result).toEqual(uninterrupted.status !== "interrupted" && uninterrupted.result);
    // atomic writes leave no temporary file behind
    expect(files(cache).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock"))).toEqual([]);
  }, 120_000);

  it("a second cell of the same seed starts from the cached pretrain", async () => {
    const out = await runCell(tor5, { cacheDir: cache, provenance: PROVENANCE });
    expect(out.status).toBe("done");
    expect(out.stepsRun).toBe(5); // embed 3 + answer 2
    if (out.status === "done") {
      expect(out.result.pretrainCached).toBe(true);
      expect(out.result.timing.pretrain!.steps).toBe(2);
    }
  }, 120_000);

  it("an abort mid-cell keeps a checkpoint; the rerun continues from it to the uninterrupted result", async () => {
    for (const stopAfter of [1, 4]) {
      // 1: inside the pretrain stage; 4: inside step 1 (embed)
      const dir = tmp();
      const controller = new AbortController();
      let steps = 0;
      const first = await runCell(tor2, {
        cacheDir: dir,
        provenance: PROVENANCE,
        signal: controller.signal,
        onStep: () => {
          if (++steps === stopAfter) controller.abort();
        },
      });
      expect(first).toEqual({ status: "interrupted", stepsRun: stopAfter });
      expect(await readCellResult(dir, tor2)).toBeNull();
      const second = await runCell(tor2, { cacheDir: dir, provenance: PROVENANCE });
      expect(second.status).toBe("done");
      expect(second.stepsRun).toBe(7 - stopAfter);
      if (second.status !== "done" || uninterrupted.status !== "done") throw new Error("unreachable");
      expect(second.result.weightsDigest).toBe(uninterrupted.result.weightsDigest);
      expect(second.result.test).toEqual(uninterrupted.result.test);
    }
  }, 240_000);

  it("a corrupt cache file is an error naming it", async () => {
    const path = resultPath(cache, tor2.key);
    writeFileSync(path, '{"format": 1, "key": "');
    await expect(runCell(tor2, { cacheDir: cache, provenance: PROVENANCE })).rejects.toThrow(AblationCacheError);
    await expect(readCellResult(cache, tor2)).rejects.toThrow(new RegExp(`corrupt cache file ${path.replaceAll("/", "\\/")}: not JSON`));
    writeFileSync(path, JSON.stringify({ format: 1, key: "other" }));
    await expect(readCellResult(cache, tor2)).rejects.toThrow(/is not the cell's/);
  });
});
