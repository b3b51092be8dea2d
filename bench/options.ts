/** Options every bench receives (its own file so that benches and `main.ts` share it without an import circle). */
export interface BenchOptions {
  quick: boolean;
  budgetSeconds?: number;
  /** `--preset`: the preset a single-preset bench (profile) runs. */
  preset?: string;
  /** GPU memory bandwidth in GB/s (`--peak-gbs`): the scan bench's WebGPU rows report their fraction of it. */
  peakGBs?: number;
  log: (line: string) => void;
}
