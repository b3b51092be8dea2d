/**
 * The fuzz suite at a fixed seed and a bounded count per target (the whole file runs in
 * well under 20 s): every generated input must end in a success that passes the target's
 * checks or a typed error with a message — see harness.ts for what counts as a FAIL.
 * `npm run fuzz -- --count N [--seed S]` runs more.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/lib/backend.ts";
import { formatReports, runTarget } from "./harness.ts";
import { TARGETS } from "./targets/index.ts";

const SEED = 20240523;

beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

describe("fuzz", () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.about}`, async () => {
      const report = await runTarget(target, { seed: SEED, count: target.ciCount });
      console.log(formatReports([report]));
      const shown = report.failures.slice(0, 5).map((f) => `#${f.index} [${f.label}]: ${f.reason}`);
      expect(shown, `${report.failures.length} FAIL (reproduce: npm run fuzz -- --target ${target.name} --seed ${SEED} --index I)`).toEqual([]);
      expect(report.tried).toBe(target.ciCount);
    });
  }
});
