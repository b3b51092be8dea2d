/** The soak bench's checks, on hand-made samples. */
import { describe, expect, it } from "vitest";
import { RSS_BOUND, soakProblems, type SoakRow } from "../../bench/soak.ts";

const row = (stage: SoakRow["stage"], step: number, numTensors: number, rssMB: number): SoakRow => ({ bench: "soak", stage, step, numTensors, numBytes: numTensors * 1000, rssMB });

describe("soak checks", () => {
  const steady = [row("start", 0, 74, 300), row("pretrain", 500, 158, 750), row("pretrain", 1000, 158, 760), row("embed", 1500, 134, 800), row("answer", 2000, 74, 820)];

  it("a steady run has no problems", () => {
    expect(soakProblems(steady)).toEqual([]);
  });

  it("tensors growing within a stage are reported", () => {
    const grown = [...steady.slice(0, 3), row("pretrain", 1200, 159, 760), ...steady.slice(3)];
    expect(soakProblems(grown)).toEqual(["pretrain: 158 tensors at step 500, 159 at step 1200"]);
  });

  it("tensors left after the optimizer is disposed are reported", () => {
    const left = [...steady.slice(0, -1), row("answer", 2000, 75, 820)];
    expect(soakProblems(left)).toEqual(["74 tensors before the first step, 75 after the last (optimizer disposed)"]);
  });

  it(`RSS beyond ${RSS_BOUND} × its first value after training began is reported; the start-up climb is not`, () => {
    expect(soakProblems([...steady, row("answer", 2500, 74, 750 * RSS_BOUND - 1)])).toEqual([]);
    expect(soakProblems([...steady, row("answer", 2500, 74, 1000)])).toEqual(["rss 1000 MB at step 2500 > 1.25 × 750 MB at step 500"]);
  });
});
