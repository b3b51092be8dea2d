/**
 * The data of a training run (Node: images are rendered with sharp): its fixed samples per
 * split, the endless training stream, and the samples the tokenizer and the template prior
 * are fitted on. Everything is generated from the run's data seed, so every system and
 * seed of an experiment that shares a data seed sees the same samples.
 *
 * Stream item i is sample ⌊i / F⌋ of family `families[i mod F]` of the train split — the
 * same rule as `generateDataset` — drawn with the stream seed (`streamSeed`): for seed 0 the
 * data seed itself, so the first `trainSize` items are exactly the fixed training set; other
 * seeds draw other samples. Seeds must differ in their data: a run from a base whose every
 * trainable part is pretrained (the MLM alone) would otherwise repeat one run per seed.
 */
import { generateDataset, generateSample } from "../data/dataset.ts";
import { hash32 } from "../data/random.ts";
import type { Tier } from "../data/tier.ts";
import { renderImage } from "../data/render-node.ts";
import type { Sample, Split } from "../data/sample.ts";
import type { BatchItem } from "../meteor/batch.ts";
import type { RunConfig } from "./run-config.ts";
import { fitTemplatePrior, priorCorrect } from "./template-prior.ts";
import type { TrainStream } from "./trainer.ts";

/** The run's fixed samples of `split` (for "train": also what tokenizer and prior are fitted on). */
export function runSamples(run: RunDataConfig & Pick<RunConfig, "trainSize" | "validationSize" | "testSize">, split: Split): Sample[] {
  if (split === "train") return Array.from({ length: run.trainSize }, (_, i) => trainSample(run, i, run.dataSeed));
  const n = split === "validation" ? run.validationSize : run.testSize;
  return generateDataset({ n, seed: run.dataSeed, split, families: run.families, tiers: run.tiers });
}

/** Per question of `test`: whether the template prior fitted on the run's training samples answers it. */
export function runPriorCorrect(run: Parameters<typeof runSamples>[0], test: readonly Sample[]): boolean[] {
  return priorCorrect(fitTemplatePrior(runSamples(run, "train")), test);
}

/** What decides a run's samples. `perceptionShare` is optional: runs saved before it had none. */
type RunDataConfig = Pick<RunConfig, "dataSeed" | "families" | "tiers"> & { readonly perceptionShare?: number | null };

/**
 * Training sample i for generator seed `seed`: `generateDataset`'s rule (family i mod F,
 * its sample ⌊i / F⌋), with the tier drawn per sample when the run sets a perception share
 * (a hash of seed and i against the share, so every run with that seed sees the same mix).
 */
function trainSample(run: RunDataConfig, i: number, seed: number): Sample {
  const F = run.families.length;
  return generateSample(run.families[i % F]!, "train", Math.floor(i / F), seed, trainTiers(run, i, seed));
}

/** The tiers training sample i draws its template from. */
function trainTiers(run: RunDataConfig, i: number, seed: number): readonly Tier[] {
  const share = run.perceptionShare;
  if (share == null) return run.tiers;
  return hash32(`tier:${seed}:${i}`) / 2 ** 32 < share ? ["perception"] : ["reasoning"];
}

/** A sample with its rendered image ([size, size, 3] in [0, 1]) when it has one. */
export async function renderItem(sample: Sample, size: number): Promise<BatchItem> {
  return sample.image ? { sample, pixels: (await renderImage(sample.image, { size })).pixels } : { sample };
}

/**
 * The run's training stream at `size` px. Each call renders its items and starts rendering
 * the next range of the same length, so the following step's batch is usually ready.
 */
/** The generator seed of a run's training stream: the data seed for seed 0, another stream per seed. */
export function streamSeed(run: Pick<RunConfig, "dataSeed" | "seed">): number {
  return (run.dataSeed + run.seed * 1_000_003) >>> 0;
}

export function trainStream(run: RunDataConfig & Pick<RunConfig, "seed">, size: number): TrainStream {
  const seed = streamSeed(run);
  const cache = new Map<number, Promise<BatchItem>>();
  const item = (i: number) => {
    let p = cache.get(i);
    if (!p) {
      p = renderItem(trainSample(run, i, seed), size);
      cache.set(i, p);
    }
    return p;
  };
  return {
    kind: "stream",
    async items(start, count) {
      const out = await Promise.all(Array.from({ length: count }, (_, k) => item(start + k)));
      for (const i of [...cache.keys()]) if (i < start + count) cache.delete(i);
      for (let k = 0; k < count; k++) item(start + count + k).catch(() => undefined); // prefetch; errors surface when awaited
      return out;
    },
  };
}
