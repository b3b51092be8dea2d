/**
 * Prints the per-channel pixel mean and std of generated training images:
 * `npx tsx scripts/pixel-stats.ts --n 3000 --size 32` (the source of `GENERATOR_PIXEL_STATS`).
 */
import { parseArgs } from "node:util";
import { generateDataset } from "../src/lib/data/dataset.ts";
import { pixelStatistics } from "../src/lib/data/pixel-stats.ts";
import { renderImage } from "../src/lib/data/render-node.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "3000" }, size: { type: "string", default: "32" } } });
const n = Number(values.n);
const size = Number(values.size);
const samples = generateDataset({ n, seed: 0, split: "train", families: ["math-vision", "chart", "scene"] });
const images: Float32Array[] = [];
for (const s of samples) images.push((await renderImage(s.image!, { size })).pixels);
const { mean, std } = pixelStatistics(images);
const r = (xs: number[]) => xs.map((x) => Number(x.toFixed(3)));
console.log(JSON.stringify({ n, size, mean: r(mean), std: r(std) }));
