/**
 * Training speed: the Trainer's step (forward, backward, AdamW) on the current backend
 * against the same architecture in PyTorch on the CPU (`peers/meteor_torch.py`), in the
 * same run, on the same shapes, with the same number of threads.
 *
 * For each preset (`tiny`, `small`; --quick: `tiny`) and stage (`answer` = Meteor's step 2,
 * `embed` = step 1): a fresh Trainer on generated data takes `warmup` steps (not timed), then
 * `steps` timed steps; each step's batch shape (batch size, Mamba and MLM padded lengths,
 * images, targets) is recorded and handed to the peer, which replays exactly that sequence
 * of shapes (warm-up included) on random ids and pixels, right after ours.
 *
 * Tokens per second = positions computed per second = Σ over timed steps of
 * batch × (Mamba padded length + MLM padded length), divided by the timed seconds: the same
 * count on both sides, since the peer runs the same shapes. Padding is counted because both
 * sides compute over it (except our scan, which skips padded positions; the reference loop
 * cannot). `ratio` = ours ÷ torch tokens/s (higher is better for us).
 *
 * Two peers per stage, in the same run: the `selective_scan_ref` loop taking its time steps
 * with `unbind` (`peerScan: "unbind"`, default; row side "torch"), whose backward is linear in
 * L — `peerScan: "ref"` (env `METEOR_PEER_SCAN`) runs it exactly as mamba_ssm ships it, indexing
 * `deltaA[:, :, i]`, whose backward writes a zero-filled [b, e, l, n] gradient per step
 * (quadratic in L) — and the parallel scan of mamba.py (`pscan`, Blelloch, any L; side
 * "torch-pscan").
 *
 * BLAS: the peer reports the BLAS library mapped into its process. Against the reference
 * netlib BLAS (Debian's libblas3, ≈ 3.5 GFLOP/s single-threaded) a ratio would flatter us
 * twentyfold, so then the rows are kept but every ratio is withheld (null) with a note;
 * install `libopenblas0-pthread` (Debian's alternatives then give torch OpenBLAS).
 * `sgemm` rows time a [2048, 2048] float32 product through our native matmul and through the
 * peer's torch, in the same run; `gflops` of a train row = `stepFlops` (./flops.ts) ÷ the
 * mean step time, and `peakRssMiB` is the peak resident memory of the process (ours: the
 * bench process so far, which is why `npm run bench` runs this bench first: the wasm heap a
 * later bench grows never shrinks; the peer: its own process for that stage).
 *
 * Threads: ours = the native kernels' OpenMP threads (`METEOR_THREADS`, default the cores),
 * 1 when they are not active; the peer gets `torch.set_num_threads` of the same number and
 * our environment, so the same `OMP_WAIT_POLICY` (our loader sets "passive" unless it is
 * set: spinning OpenMP threads collapse on a shared machine, on either side). When /usr/bin/python3 (or `METEOR_PYTHON`) cannot import torch,
 * the torch rows are absent and a note says why. Before timing a stage, the peer computes the
 * loss of our initial weights on our first batch, which must equal ours (`checkPeer`).
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "../src/lib/tf.ts";
import { loadNative } from "../src/kernels/native/load.ts";
import { nativeKernelsActive } from "../src/kernels/native/register.ts";
import { generateDataset } from "../src/lib/data/dataset.ts";
import { renderImage } from "../src/lib/data/render-node.ts";
import { buildTokenizer } from "../src/lib/data/tokenizer.ts";
import type { BatchItem, MeteorBatch, SequenceBatch } from "../src/lib/meteor/batch.ts";
import { meteorPreset, type MeteorConfig } from "../src/lib/meteor/config.ts";
import { initMeteorVariables } from "../src/lib/meteor/params.ts";
import { TEMPLATE_TEXTS } from "../src/lib/meteor/prompts.ts";
import { resolveRunConfig } from "../src/lib/train/run-config.ts";
import { batchLoss } from "../src/lib/train/step.ts";
import { Trainer } from "../src/lib/train/trainer.ts";
import type { Stage } from "../src/lib/train/stages.ts";
import type { BenchOptions } from "./options.ts";
import { stepFlops } from "./flops.ts";
import type { StepShape } from "./step-shape.ts";

export type { StepShape } from "./step-shape.ts";

const PEER = fileURLToPath(new URL("./peers/meteor_torch.py", import.meta.url));

export type TrainStage = "answer" | "embed";

export interface TrainRow {
  bench: "train";
  preset: string;
  stage: TrainStage;
  /** "torch": the loop-scan peer; "torch-pscan": the parallel-scan peer. */
  side: "ours" | "torch" | "torch-pscan";
  /** Mean over the timed steps. */
  msPerStep: number;
  /** Positions (Mamba + MLM, padded) per second over the timed steps. */
  tokensPerSec: number;
  /** Timed steps. */
  steps: number;
  threads: number;
  /** Model GFLOP per second: `stepFlops` over the timed steps ÷ their seconds. */
  gflops: number;
  /** Peak resident memory (MiB) of the process that ran the row. */
  peakRssMiB: number;
  /** Peers: the BLAS library torch loaded ("openblas", "reference", …). */
  blas?: string;
  /** Ours only, when the peer ran on an optimised BLAS: ours ÷ loop-scan torch tokens/s. */
  ratio?: number;
  /** Ours only, likewise: ours ÷ pscan torch tokens/s. */
  ratioPscan?: number;
}

/** A [n, n] · [n, n] float32 product: ours (native sgemm) or the peer torch's BLAS. */
export interface SgemmRow {
  bench: "sgemm";
  impl: "ours" | "openblas" | "reference" | string;
  n: number;
  gflops: number;
  threads: number;
}

export interface TrainRatio {
  preset: string;
  stage: TrainStage;
  /** Ours ÷ torch tokens/s (higher is better for us). */
  ratio: number;
}

export interface TrainBenchOptions extends BenchOptions {
  /** Default ["tiny", "small"] (--quick: ["tiny"]). */
  presets?: string[];
  /** Default ["answer", "embed"]. */
  stages?: TrainStage[];
  /** Timed steps per (preset, stage). Default 5 (--quick: 3). */
  steps?: number;
  /** Untimed steps first. Default 2 (--quick: 1). */
  warmup?: number;
  /** Python with torch. Default `METEOR_PYTHON`, else /usr/bin/python3. */
  python?: string;
  /** The peer's scan loop: "unbind" (default, linear backward) or "ref" (mamba_ssm's selective_scan_ref as shipped). Env `METEOR_PEER_SCAN`. */
  peerScan?: PeerScan;
}

export type PeerScan = "ref" | "unbind" | "pscan";

export interface TrainBenchResult {
  rows: (TrainRow | SgemmRow)[];
  ratios: TrainRatio[];
  /** Why rows are missing, and what the run was (backend, threads, peer version). */
  notes: string[];
}

/** The shapes of a built batch. */
export function stepShape(batch: MeteorBatch): StepShape {
  let targets = 0;
  for (const t of batch.mlm.targets ?? []) if (t >= 0) targets++;
  return {
    batch: batch.size,
    mambaLength: batch.mamba?.length ?? 0,
    mlmLength: batch.mlm.length,
    images: batch.images?.count ?? 0,
    mlmImages: batch.mlm.imageIndex !== undefined,
    targets,
  };
}

/** Positions a step computes: batch × (Mamba + MLM padded lengths). The bench's token count. */
export const stepPositions = (s: StepShape): number => s.batch * (s.mambaLength + s.mlmLength);

/** Mean ms per step and positions per second of timed steps. */
export function throughput(shapes: readonly StepShape[], stepMs: readonly number[]): { msPerStep: number; tokensPerSec: number } {
  if (shapes.length !== stepMs.length || shapes.length === 0) throw new Error(`${shapes.length} shapes for ${stepMs.length} step times`);
  const ms = stepMs.reduce((a, b) => a + b, 0);
  const positions = shapes.reduce((n, s) => n + stepPositions(s), 0);
  return { msPerStep: ms / stepMs.length, tokensPerSec: positions / (ms / 1000) };
}

/** Threads our heavy kernels use on the current backend. */
export function ourThreads(): number {
  const native = loadNative();
  return native && nativeKernelsActive(tf.getBackend()) ? native.info().threads : 1;
}

/** The preset's Meteor config, tokenizer and rendered training items. */
export async function presetData(preset: string, nSamples: number, log: (line: string) => void) {
  const run = resolveRunConfig({ preset, trainSize: nSamples, validationSize: 8, testSize: 8 });
  const samples = generateDataset({ n: run.trainSize, seed: run.dataSeed, split: "train", families: run.families });
  const tokenizer = buildTokenizer([...samples.flatMap((s) => [s.question, s.rationale, s.answer]), ...TEMPLATE_TEXTS]);
  const cfg = meteorPreset(preset, { vocabSize: tokenizer.vocabSize, numTor: run.numTor });
  log(`train: ${preset}: rendering ${samples.length} images`);
  const train: BatchItem[] = [];
  for (const sample of samples) train.push(sample.image ? { sample, pixels: (await renderImage(sample.image, { size: cfg.vision.imageSize })).pixels } : { sample });
  return { run, cfg, tokenizer, train };
}

interface Measured {
  warmup: StepShape[];
  steps: StepShape[];
  stepMs: number[];
}

/** `warmup` untimed then `steps` timed steps of the trainer's (only) stage, recording each batch's shape. */
async function measureOurs(trainer: Trainer, warmup: number, steps: number, log: (line: string) => void): Promise<Measured> {
  const out: Measured = { warmup: [], steps: [], stepMs: [] };
  for (let i = 0; i < warmup + steps; i++) {
    const shape = stepShape(trainer.batchAt(trainer.stage as Exclude<Stage, "perceive">, trainer.state.stageStep));
    const t0 = performance.now();
    const r = await trainer.step();
    const ms = performance.now() - t0;
    log(`train: ${r.stage} ours: ${i < warmup ? "warm-up" : "step"} ${i + 1}/${warmup + steps} loss ${r.loss.toFixed(3)} ${ms.toFixed(0)} ms`);
    if (i < warmup) out.warmup.push(shape);
    else {
      out.steps.push(shape);
      out.stepMs.push(ms);
    }
  }
  return out;
}

const base64 = (a: Float32Array | Int32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

/** Parameters for the peer's "check" mode: flat names, shapes, base64 float32. */
export function peerWeights(vars: Readonly<Record<string, tf.Tensor>>): Record<string, { shape: number[]; data: string }> {
  return Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, { shape: v.shape, data: base64(v.dataSync() as Float32Array) }]));
}

/** A built batch for the peer's "check" mode. */
export function peerBatch(batch: MeteorBatch): object {
  if (!batch.mamba) throw new Error("the peer runs Meteor batches only (with a Mamba side)");
  const seq = (s: SequenceBatch) => ({
    length: s.length,
    ids: Array.from(s.ids),
    imageIndex: s.imageIndex ? Array.from(s.imageIndex) : null,
    torIndex: s.torIndex ? Array.from(s.torIndex) : null,
    targets: s.targets ? Array.from(s.targets) : null,
  });
  return { size: batch.size, images: batch.images?.count ?? 0, pixels: batch.images ? base64(batch.images.pixels) : "", mamba: seq(batch.mamba), mlm: seq(batch.mlm) };
}

/**
 * The peer's loss on our weights and our batch against ours: the bench times the peer only
 * when it computes the same function. Returns both losses; throws when they differ by more
 * than 1e-4·|ours| + 1e-5 (float32 on both sides).
 */
export async function checkPeer(
  python: string,
  cfg: MeteorConfig,
  stage: TrainStage,
  vars: Readonly<Record<string, tf.Tensor>>,
  batch: MeteorBatch,
  log: (line: string) => void,
): Promise<{ ours: number; torch: number }> {
  const ours = tf.tidy(() => batchLoss(cfg, vars, batch).dataSync()[0]!);
  const peer = await runPeer(python, { mode: "check", config: cfg, stage, threads: 1, warmup: [], steps: [], weights: peerWeights(vars), batch: peerBatch(batch) }, log);
  const torch = peer.loss!;
  if (!(Math.abs(torch - ours) <= 1e-4 * Math.abs(ours) + 1e-5)) {
    throw new Error(`train: the torch peer's loss on our weights and batch is ${torch}, ours ${ours}: it does not compute the same model (${stage} stage)`);
  }
  return { ours, torch };
}

/** Whether `python` can import torch: null when it can, else the reason. */
export function torchUnavailable(python: string): string | null {
  const probe = spawnSync(python, ["-c", "import torch, sys; sys.stdout.write(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
  if (probe.error) return `${python} could not be started (${probe.error.message})`;
  if (probe.status !== 0) return `${python} cannot import torch (${(probe.stderr.trim().split("\n").pop() ?? "").trim()})`;
  return null;
}

export interface PeerRequest {
  mode: "train" | "loss" | "check" | "sgemm";
  config: MeteorConfig;
  stage: TrainStage;
  threads: number;
  scan?: PeerScan;
  seed?: number;
  lr?: number;
  warmup: StepShape[];
  steps: StepShape[];
  /** "sgemm" only: the matrix size (default 2048). */
  n?: number;
  /** "check" only. */
  weights?: Record<string, { shape: number[]; data: string }>;
  batch?: object;
}

export interface PeerResult {
  torch: string;
  threads: number;
  scan?: PeerScan;
  /** The BLAS library mapped into the peer ("openblas", "reference", "mkl", "blis", "unknown") and its path. */
  blas: string;
  blasPath: string;
  /** "sgemm" mode. */
  gflops?: number;
  n?: number;
  peakRssMiB?: number;
  stepMs?: number[];
  losses?: number[];
  loss?: number;
}

/** Runs the PyTorch peer; its stderr lines go to `log`. Rejects with its last stderr line on failure. */
export function runPeer(python: string, request: PeerRequest, log: (line: string) => void): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    // OpenBLAS sizes its own thread pool: give it the request's threads, as torch's
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(request.threads) };
    const child = spawn(python, [PEER], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderrTail = "";
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      const lines = (partial + d).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        log(line);
        stderrTail = line;
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (partial) log(partial);
      if (code !== 0) return reject(new Error(`torch peer exited with ${code}: ${partial || stderrTail}`));
      try {
        resolve(JSON.parse(stdout) as PeerResult);
      } catch {
        reject(new Error(`torch peer wrote no JSON result: ${stdout.slice(0, 200)}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Our native sgemm on [n, n] · [n, n]: best of 3 after a warm-up, GFLOP/s; null without the addon. */
export function ourSgemmGflops(n: number): number | null {
  const native = loadNative();
  if (!native) return null;
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = a.slice().reverse();
  const out = new Float32Array(n * n);
  native.matmul(a, b, out, 1, n, n, n, 0, 0, 0, 0);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    native.matmul(a, b, out, 1, n, n, n, 0, 0, 0, 0);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

/** Peak resident memory of this process so far, MiB. */
export const ourPeakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

export async function runTrainBench(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  const presets = opts.presets ?? (opts.quick ? ["tiny"] : ["tiny", "small"]);
  const stages = opts.stages ?? ["answer", "embed"];
  const steps = opts.steps ?? 3;
  const warmup = opts.warmup ?? 1;
  const python = opts.python ?? process.env["METEOR_PYTHON"] ?? "/usr/bin/python3";
  const peerScan = opts.peerScan ?? ((process.env["METEOR_PEER_SCAN"] as PeerScan | undefined) || "unbind");
  if (peerScan !== "ref" && peerScan !== "unbind") throw new Error(`train: peerScan must be ref or unbind, got ${String(peerScan)}`);
  const threads = ourThreads();
  const notes = [`ours: ${tf.getBackend()} backend, ${threads} thread${threads === 1 ? "" : "s"} (${loadNative() && nativeKernelsActive(tf.getBackend()) ? "native kernels" : "JS kernels"})`];
  const missing = torchUnavailable(python);
  if (missing) {
    notes.push(`torch rows absent: ${missing}`);
    opts.log(`train: ${notes[notes.length - 1]}`);
  }
  const rows: (TrainRow | SgemmRow)[] = [];
  const ratios: TrainRatio[] = [];
  const n = 2048;
  const mine = ourSgemmGflops(n);
  if (mine !== null) rows.push({ bench: "sgemm", impl: "ours", n, gflops: mine, threads });
  let fairBlas = false;
  if (!missing) {
    const peer = await runPeer(python, { mode: "sgemm", config: {} as MeteorConfig, stage: "answer", threads, warmup: [], steps: [], n }, opts.log);
    rows.push({ bench: "sgemm", impl: peer.blas, n, gflops: peer.gflops!, threads: peer.threads });
    fairBlas = peer.blas !== "reference";
    notes.push(`torch: ${peer.torch}, ${peer.threads} thread${peer.threads === 1 ? "" : "s"}, BLAS ${peer.blas} (${peer.blasPath}): ${peer.gflops!.toFixed(1)} GFLOP/s on a ${n}² sgemm; ours ${mine?.toFixed(1) ?? "n/a"}`);
    if (!fairBlas) notes.push("ratios withheld: torch runs on the reference netlib BLAS; install libopenblas0-pthread (see README, Tests and benchmarks)");
    opts.log(`train: ${notes[notes.length - 1]}`);
  }
  for (const preset of presets) {
    const batchSize = resolveRunConfig({ preset }).train.batchSize;
    const { run, cfg, tokenizer, train } = await presetData(preset, Math.max(64, batchSize * (warmup + steps)), opts.log);
    for (const stage of stages) {
      const total = warmup + steps;
      const options = { ...run.train, steps: { perceive: 0, pretrain: 0, embed: stage === "embed" ? total : 0, answer: stage === "answer" ? total : 0 } };
      const vars = initMeteorVariables(cfg, run.seed);
      const trainer = new Trainer(cfg, vars, tokenizer, { train, validation: [] }, options);
      let m: Measured;
      try {
        if (!missing) {
          const c = await checkPeer(python, cfg, stage, vars, trainer.batchAt(stage, 0), opts.log);
          notes.push(`${preset} ${stage}: same loss on our weights and first batch: ours ${c.ours.toFixed(6)}, torch ${c.torch.toFixed(6)}`);
        }
        m = await measureOurs(trainer, warmup, steps, (line) => opts.log(line.replace("train: ", `train: ${preset} `)));
      } finally {
        trainer.optimizer.dispose();
        tf.dispose(Object.values(vars));
      }
      const flops = m.steps.reduce((f, s) => f + stepFlops(cfg, s, stage), 0);
      const row = (side: TrainRow["side"], stepMs: number[], rowThreads: number, peakRssMiB: number, blas?: string): TrainRow => {
        const t = throughput(m.steps, stepMs);
        return { bench: "train", preset, stage, side, ...t, steps, threads: rowThreads, gflops: flops / (t.msPerStep * steps / 1000) / 1e9, peakRssMiB, ...(blas ? { blas } : {}) };
      };
      const ours = row("ours", m.stepMs, threads, ourPeakRssMiB());
      rows.push(ours);
      if (missing) continue;
      for (const [side, scan] of [["torch", peerScan], ["torch-pscan", "pscan"]] as const) {
        const peer = await runPeer(python, { mode: "train", config: cfg, stage, threads, scan, warmup: m.warmup, steps: m.steps }, opts.log);
        const theirs = row(side, peer.stepMs!, peer.threads, peer.peakRssMiB ?? NaN, peer.blas);
        rows.push(theirs);
        if (!fairBlas) continue;
        const ratio = ours.tokensPerSec / theirs.tokensPerSec;
        if (side === "torch") {
          ours.ratio = ratio;
          ratios.push({ preset, stage, ratio });
        } else ours.ratioPscan = ratio;
      }
    }
  }
  return { rows, ratios, notes };
}

export function formatTrainTable(result: TrainBenchResult): string {
  const train = result.rows.filter((r): r is TrainRow => r.bench === "train");
  const head = ["preset", "stage", "side", "threads", "ms/step", "tokens/s", "GFLOP/s", "peak MiB", "÷ torch", "÷ pscan"];
  const lines = train.map((r) => [
    r.preset,
    r.stage,
    r.side + (r.blas ? ` (${r.blas})` : ""),
    String(r.threads),
    r.msPerStep.toFixed(1),
    r.tokensPerSec.toFixed(0),
    r.gflops.toFixed(1),
    r.peakRssMiB.toFixed(0),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.ratioPscan === undefined ? "" : `${r.ratioPscan.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const sgemm = result.rows.filter((r): r is SgemmRow => r.bench === "sgemm").map((r) => `sgemm ${r.n}² ${r.impl}: ${r.gflops.toFixed(1)} GFLOP/s (${r.threads} thread${r.threads === 1 ? "" : "s"})`);
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt), ...sgemm, ...result.notes].join("\n");
}
