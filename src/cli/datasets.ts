/**
 * The samples of a run and their rendered images (Node: sharp), with progress. Samples are
 * generated from the run's data seed, so every system and seed of an experiment sees the
 * same data.
 */
import type { Sample } from "../lib/data/sample.ts";
import type { BatchItem } from "../lib/meteor/batch.ts";
import { renderItem } from "../lib/train/run-data.ts";
import { ProgressBar } from "./progress.ts";

export { runSamples } from "../lib/train/run-data.ts";

/** Renders the images of `samples` at `size` px, in order. */
export async function renderItems(samples: readonly Sample[], size: number, label = "render"): Promise<BatchItem[]> {
  const bar = new ProgressBar(samples.length, label);
  const out: BatchItem[] = [];
  for (const [i, sample] of samples.entries()) {
    out.push(await renderItem(sample, size));
    bar.update(i + 1);
  }
  return out;
}
