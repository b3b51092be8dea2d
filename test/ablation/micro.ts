/** Micro-sized ablation sweeps for the tests: the tiny preset shrunk to seconds per cell. */
import type { RunConfigInput } from "../../src/lib/train/run-config.ts";
import type { MachineInfo } from "../../src/lib/ablation/result.ts";

export const MICRO_BASE: Omit<RunConfigInput, "preset" | "seed"> = {
  model: {
    vision: { imageSize: 8, patchSize: 4, dModel: 16, nLayer: 1, nHead: 2, mlpDim: 32 },
    mamba: { dModel: 16, nLayer: 1, dState: 4 },
    mlm: { dModel: 16, nLayer: 1, nHead: 2, nKvHead: 1, ffnDim: 32 },
  },
  trainSize: 48,
  validationSize: 8,
  testSize: 12,
  steps: { pretrain: 2, embed: 3, answer: 2 },
  batchSize: 4,
  warmupSteps: 1,
  evalEvery: 0,
};

export const TEST_MACHINE: MachineInfo = { cpus: 1, cpuModel: "test", memoryGiB: 1, platform: "test", node: process.version, backend: "cpu" };
export const PROVENANCE = { command: "vitest", commit: "test", machine: TEST_MACHINE };
