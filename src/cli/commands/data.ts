/**
 * `meteor data` — generate question–rationale–answer samples and render their images:
 * DIR/samples.jsonl (one sample per line, with `imageFile` for samples that have an image),
 * DIR/images/<id>.png and DIR/config.json. Every file is written atomically (temp file, then
 * rename); samples.jsonl is written last, so when it exists every image it names exists.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/io/atomic-file.ts";
import { DATA_CONFIG_DEFAULTS as D, resolveDataConfig, type DataConfigInput } from "../../lib/data/config.ts";
import { generateDataset } from "../../lib/data/dataset.ts";
import { renderImage } from "../../lib/data/render-node.ts";
import { FAMILIES, SPLITS, type Family, type Sample, type Split } from "../../lib/data/sample.ts";
import { UsageError, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const N_DEFAULT = 20;

const HELP = `meteor data --out DIR [--n ${N_DEFAULT}] [--seed ${D.seed}] [--family ${D.families}|NAME[,NAME…]] [--split ${D.split}|validation|test] [--size ${D.imageSize}]

Generates --n samples (spread round-robin over the families) and writes
  DIR/samples.jsonl     one JSON sample per line (id, family, split, template, question,
                        rationale, answer, image spec, imageFile)
  DIR/images/<id>.png   each sample's image, --size × --size RGB
  DIR/config.json       the resolved data config
Families: ${FAMILIES.join(", ")}. Splits never share an image or a problem instance,
whatever the seed. Progress goes to stderr.`;

const FORMAT = "meteor-data";
const VERSION = 1;
const RENDER_CONCURRENCY = 4;

function intFlag(flag: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

function familiesFlag(v: string | boolean | undefined): DataConfigInput["families"] {
  if (v === undefined || v === "all") return undefined;
  const names = String(v).split(",").map((s) => s.trim());
  for (const f of names) {
    if (!(FAMILIES as readonly string[]).includes(f)) throw new UsageError(`--family: unknown family "${f}"; known: all, ${FAMILIES.join(", ")}`);
  }
  return names as Family[];
}

export const dataCommand: Command = {
  summary: "generate question–rationale–answer samples and their PNG images",
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { out: { type: "string" }, n: { type: "string" }, seed: { type: "string" }, family: { type: "string" }, split: { type: "string" }, size: { type: "string" } },
      HELP,
    );
    if (!args) return;
    const v = args.values;
    if (typeof v.out !== "string") throw new UsageError(`--out is required\n\n${HELP}`);
    if (v.split !== undefined && !(SPLITS as readonly string[]).includes(String(v.split))) {
      throw new UsageError(`--split must be one of ${SPLITS.join(", ")}, got ${JSON.stringify(v.split)}`);
    }
    const cfg = resolveDataConfig({
      n: intFlag("--n", v.n) ?? N_DEFAULT,
      seed: intFlag("--seed", v.seed),
      families: familiesFlag(v.family),
      split: v.split as Split | undefined,
      imageSize: intFlag("--size", v.size),
    });

    const t0 = performance.now();
    const samples = generateDataset(cfg);
    const tGen = performance.now() - t0;
    const out = v.out;
    await mkdir(join(out, "images"), { recursive: true });

    const withImage = samples.filter((s) => s.image);
    const progress = makeProgress(withImage.length);
    const t1 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < withImage.length) {
        const s = withImage[next++]!;
        const { png } = await renderImage(s.image!, { size: cfg.imageSize });
        await writeFileAtomic(join(out, "images", `${s.id}.png`), png);
        progress.tick();
      }
    };
    await Promise.all(Array.from({ length: RENDER_CONCURRENCY }, worker));
    const tRender = performance.now() - t1;
    progress.done();

    const line = (s: Sample) => JSON.stringify(s.image ? { ...s, imageFile: `images/${s.id}.png` } : s);
    const enc = new TextEncoder();
    await writeFileAtomic(join(out, "config.json"), enc.encode(`${JSON.stringify({ format: FORMAT, version: VERSION, config: cfg, count: samples.length }, null, 2)}\n`));
    await writeFileAtomic(join(out, "samples.jsonl"), enc.encode(samples.map(line).join("\n") + (samples.length ? "\n" : "")));

    const rate = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : n);
    console.error(`data: generated ${samples.length} samples in ${Math.round(tGen)} ms (${rate(samples.length, tGen)}/s), rendered ${withImage.length} images in ${Math.round(tRender)} ms (${rate(withImage.length, tRender)}/s)`);
    console.log(`wrote ${samples.length} samples (${withImage.length} images, ${cfg.imageSize}×${cfg.imageSize}) to ${out}`);
  },
};

/** One progress line on stderr: rewritten in place on a terminal, at every 10 % otherwise. */
function makeProgress(total: number): { tick(): void; done(): void } {
  let n = 0;
  let lastDecile = -1;
  const tty = process.stderr.isTTY;
  const text = () => `data: rendered ${n}/${total} images`;
  return {
    tick() {
      n++;
      if (tty) process.stderr.write(`\r${text()}`);
      else if (Math.floor((10 * n) / total) > lastDecile) {
        lastDecile = Math.floor((10 * n) / total);
        process.stderr.write(`${text()}\n`);
      }
    },
    done() {
      if (tty && total > 0) process.stderr.write("\n");
    },
  };
}
