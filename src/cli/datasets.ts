/**
 * The samples of a run and their rendered images (Node: sharp), with progress. Samples are
 * generated from the run's data seed, so every system and seed of an experiment sees the
 * same data.
 */
import { generateDataset } from "../lib/data/dataset.ts";
import { renderImage } from "../lib/data/render-node.ts";
import type { Sample, Split } from "../lib/data/sample.ts";
import type { BatchItem } from "../lib/meteor/batch.ts";
import type { RunConfig } from "../lib/train/run-config.ts";
import { ProgressBar } from "./progress.ts";

export function runSamples(run: RunConfig, split: Split): Sample[] {
  const n = split === "train" ? run.trainSize : split === "validation" ? run.validationSize : run.testSize;
  return generateDataset({ n, seed: run.dataSeed, split, families: run.families });
}

/** Renders the images of `samples` at `size` px, in order. */
export async function renderItems(samples: readonly Sample[], size: number, label = "render"): Promise<BatchItem[]> {
  const bar = new ProgressBar(samples.length, label);
  const out: BatchItem[] = [];
  for (const [i, sample] of samples.entries()) {
    out.push(sample.image ? { sample, pixels: (await renderImage(sample.image, { size })).pixels } : { sample });
    bar.update(i + 1);
  }
  return out;
}
