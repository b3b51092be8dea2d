/**
 * Turns question–rationale–answer samples into the integer arrays Meteor's forward reads:
 * right-padded token ids, the positions where image features and `<tor>` features are
 * spliced in, and next-token targets. Pure data in, typed arrays out: no tensors here.
 *
 * Stages (spec §4):
 *   "embed"  — training step 1: the Mamba reads the rationale with `<tor>` planted in it;
 *              the MLM, given only the `<tor>` features (no rationale text), is
 *              teacher-forced to produce the rationale.
 *   "answer" — training step 2 and inference: the Mamba sees bare `<tor>` tokens; the MLM
 *              produces the answer.
 * Where the paper is silent (how step 1 lays out the MLM's input), we use the inference
 * layout without the user turn — the ten projected `<tor>` features, the system message,
 * and the rationale as the assistant's turn — so the frozen MLM can regenerate the rationale
 * only from what the `<tor>` features carry (with the image and question in view, an MLM
 * pretrained on this data predicts the rationale without them and step 1 teaches the Mamba
 * nothing: measured, validation loss 0.478 → 0.472 over step 1). The paper's "at each
 * `<tor>` generate the rationale up to the next `<tor>`" holds by causality: feature i has
 * read the rationale up to `<tor>` i, so the segment after `<tor>` i is what feature i+1 carries.
 */
import { FACT_SLOTS, imageFacts } from "../data/image-facts.ts";
import type { ImageSpec } from "../data/image-spec.ts";
import { ANSWER_TURN, IMAGE_TOKEN, TOR_TOKEN, mambaPrompt, mlmPrompt, mlmTarget, rationaleThenAnswer, type MlmPromptKind } from "./prompts.ts";

/** What batching needs of a tokenizer. */
export interface TokenizerLike {
  encode(text: string): number[];
  id(token: string): number;
}

/** What batching needs of a sample. */
export interface SampleLike {
  readonly question: string;
  readonly rationale: string;
  readonly answer: string;
}

/** The image spec of an item's sample (`Sample.image`), which the perception stage reads its labels from; null without one. */
function specOf(it: BatchItem): ImageSpec | null {
  const image = (it.sample as { image?: unknown }).image;
  return image !== null && typeof image === "object" && typeof (image as { kind?: unknown }).kind === "string" ? (image as ImageSpec) : null;
}

/** One sample with its rendered image ([s, s, c] in [0, 1]) when it has one. */
export interface BatchItem {
  sample: SampleLike;
  pixels?: Float32Array;
  /**
   * Training step 1 only: the Mamba embeds the answer instead of the rationale (Table 3's
   * "Mamba embeds the answer" and the share of question–rationale pairs): its input is
   * "{answer} <tor>×N" (an answer is too short to spread `<tor>`s in) and the MLM's target
   * is the answer. Default false.
   */
  embedAnswer?: boolean;
}

/** One right-padded sequence batch. All index arrays are [b·l], flat row-major. */
export interface SequenceBatch {
  /** [b·l] token ids, padded with `padId`. */
  ids: Int32Array;
  /** l, the padded length. */
  length: number;
  /** [b] valid lengths. */
  lengths: Int32Array;
  /** [b·l]: row of the flattened image features [nImg·np] to splice in, or −1. */
  imageIndex?: Int32Array;
  /** [b·l]: row of the flattened `<tor>` features [b·numTor] at this position, or −1. */
  torIndex?: Int32Array;
  /** [b·l]: the token position t must predict (ids[t+1] inside the target span), or −1. */
  targets?: Int32Array;
}

export interface MeteorBatch {
  size: number;
  /** Images of the rows that have one, in row order: pixels [count·s·s·c]. */
  images?: { pixels: Float32Array; count: number };
  /** Absent for the MLM-only baselines. */
  mamba?: SequenceBatch;
  mlm: SequenceBatch;
}

export interface BatchOptions {
  system: MlmPromptKind;
  /** "prompt": inference — the MLM sequence ends with the prompt, no target. */
  stage: "embed" | "answer" | "prompt";
  numTor: number;
  /** Image feature rows per image (vision numPatches). */
  numPatches: number;
  /** Step 1: the rationale with `<tor>` planted (e.g. `insertTor`); null = too short. */
  placeTor?: (rationale: string) => string | null;
  /** Pad id (default 0). */
  padId?: number;
}

/** The perception stage's batch: images and their structured facts (`data/image-facts.ts`). */
export interface PerceptionBatch {
  kind: "perceive";
  /** Images: pixels [count·s·s·c]. */
  images: { pixels: Float32Array; count: number };
  /** [count · FACT_SLOTS.length] labels, −1 where a slot does not apply. */
  facts: Int32Array;
}

/** The perception batch of the items that have an image (the others are skipped). */
export function buildPerceptionBatch(items: readonly BatchItem[]): PerceptionBatch {
  const withImage = items.filter((it) => it.pixels && specOf(it));
  if (withImage.length === 0) throw new BatchError("a perception batch needs items with an image and its spec");
  const S = FACT_SLOTS.length;
  const facts = new Int32Array(withImage.length * S);
  withImage.forEach((it, i) => facts.set(imageFacts(specOf(it)!), i * S));
  return { kind: "perceive", images: { pixels: concat(withImage.map((it) => it.pixels!)), count: withImage.length }, facts };
}

export class BatchError extends Error {
  override name = "BatchError";
}

interface Encoded {
  ids: number[];
  imageIndex: number[];
  torIndex: number[];
  targets: number[];
}

/** Encodes prompt (+ target), expanding `<image>` to `np` rows and numbering `<tor>`s. */
function encodeRow(
  tok: TokenizerLike,
  prompt: string,
  target: string | null,
  imageRow: number,
  torRowBase: number,
  np: number,
  numTor: number | null,
): Encoded {
  const imageId = tok.id(IMAGE_TOKEN);
  const torId = tok.id(TOR_TOKEN);
  const promptIds = tok.encode(prompt);
  const targetIds = target === null ? [] : tok.encode(target);
  const ids: number[] = [];
  const imageIndex: number[] = [];
  const torIndex: number[] = [];
  let tors = 0;
  const push = (id: number, img: number, tor: number) => {
    ids.push(id);
    imageIndex.push(img);
    torIndex.push(tor);
  };
  for (const id of promptIds) {
    if (id === imageId) {
      if (imageRow < 0) throw new BatchError("prompt has <image> but the sample has no image");
      for (let k = 0; k < np; k++) push(imageId, imageRow * np + k, -1);
    } else if (id === torId) {
      push(torId, -1, torRowBase + tors++);
    } else push(id, -1, -1);
  }
  if (numTor !== null && tors !== numTor) throw new BatchError(`prompt holds ${tors} <tor> tokens, expected ${numTor}`);
  const promptLength = ids.length;
  const targets = new Array<number>(promptLength + targetIds.length).fill(-1);
  for (let j = 0; j < targetIds.length; j++) {
    if (targetIds[j] === torId || targetIds[j] === imageId) throw new BatchError("a target may not contain <tor> or <image>");
    targets[promptLength + j - 1] = targetIds[j]!; // position t predicts token t + 1
    push(targetIds[j]!, -1, -1);
  }
  return { ids, imageIndex, torIndex, targets };
}

function pack(rows: Encoded[], padId: number, withImages: boolean, withTor: boolean, withTargets: boolean): SequenceBatch {
  const b = rows.length;
  const l = Math.max(...rows.map((r) => r.ids.length));
  const ids = new Int32Array(b * l).fill(padId);
  const lengths = Int32Array.from(rows, (r) => r.ids.length);
  const imageIndex = withImages && rows.some((r) => r.imageIndex.some((j) => j >= 0)) ? new Int32Array(b * l).fill(-1) : undefined;
  const torIndex = withTor ? new Int32Array(b * l).fill(-1) : undefined;
  const targets = withTargets ? new Int32Array(b * l).fill(-1) : undefined;
  rows.forEach((r, i) => {
    ids.set(r.ids, i * l);
    imageIndex?.set(r.imageIndex, i * l);
    torIndex?.set(r.torIndex, i * l);
    targets?.set(r.targets, i * l);
  });
  return {
    ids,
    length: l,
    lengths,
    ...(imageIndex ? { imageIndex } : {}),
    ...(torIndex ? { torIndex } : {}),
    ...(targets ? { targets } : {}),
  };
}

/** Builds one batch. Throws `BatchError` naming the sample for a rationale too short to plant `<tor>`s in. */
export function buildBatch(items: readonly BatchItem[], tok: TokenizerLike, opts: BatchOptions): MeteorBatch {
  if (items.length === 0) throw new BatchError("cannot build an empty batch");
  const padId = opts.padId ?? 0;
  const np = opts.numPatches;
  const meteor = opts.system === "meteor";
  const imageRows: number[] = [];
  const pixels: Float32Array[] = [];
  items.forEach((it) => {
    imageRows.push(it.pixels ? pixels.length : -1);
    if (it.pixels) pixels.push(it.pixels);
  });
  const mlmRows = items.map((it, i) => {
    const hasImage = imageRows[i]! >= 0;
    const prompt = mlmPrompt({
      question: it.sample.question,
      hasImage,
      numTor: opts.numTor,
      kind: opts.system,
      rationale: it.sample.rationale,
      userTurn: !(meteor && opts.stage === "embed"),
    });
    const target = opts.stage === "prompt" ? null : mlmTarget(targetText(it, opts));
    return encodeRow(tok, prompt, target, imageRows[i]!, i * opts.numTor, np, meteor ? opts.numTor : 0);
  });
  let mamba: SequenceBatch | undefined;
  if (meteor) {
    const rows = items.map((it, i) => {
      let torText = TOR_TOKEN.repeat(opts.numTor);
      if (opts.stage === "embed" && it.embedAnswer) {
        torText = [it.sample.answer, ...Array<string>(opts.numTor).fill(TOR_TOKEN)].join(" ");
      } else if (opts.stage === "embed") {
        if (!opts.placeTor) throw new BatchError("stage 'embed' needs a placeTor function");
        const placed = opts.placeTor(it.sample.rationale);
        if (placed === null) {
          throw new BatchError(
            `rationale of sample ${i} is too short to hold ${opts.numTor} <tor> tokens (${it.sample.rationale.split(/\s+/).filter(Boolean).length} words)`,
          );
        }
        torText = placed;
      }
      const prompt = mambaPrompt(it.sample.question, torText, imageRows[i]! >= 0);
      return encodeRow(tok, prompt, null, imageRows[i]!, i * opts.numTor, np, opts.numTor);
    });
    mamba = pack(rows, padId, pixels.length > 0, true, false);
  }
  const images = pixels.length > 0 ? { pixels: concat(pixels), count: pixels.length } : undefined;
  return {
    size: items.length,
    ...(images ? { images } : {}),
    ...(mamba ? { mamba } : {}),
    mlm: pack(mlmRows, padId, pixels.length > 0, meteor, opts.stage !== "prompt"),
  };
}

/** What the MLM learns to write for `it`: the rationale in step 1 (the answer for `embedAnswer` items), else the answer (the rationale, then the answer, for "rationale"). */
function targetText(it: BatchItem, opts: BatchOptions): string {
  if (opts.stage === "embed") return opts.system === "meteor" && it.embedAnswer ? it.sample.answer : it.sample.rationale;
  return opts.system === "rationale" ? rationaleThenAnswer(it.sample.rationale, it.sample.answer) : it.sample.answer;
}

/**
 * The "rationale" system at test time: each row is the prompt, the rationale the MLM wrote
 * itself (`rationaleIds[i]`, without its end marker), the answer turn's opening, and the
 * answer; only the answer and its end marker are targets, so greedy exact match scores the
 * answer the MLM gives after its own rationale.
 */
export function buildAnswerAfterRationaleBatch(
  items: readonly BatchItem[],
  tok: TokenizerLike,
  rationaleIds: readonly (readonly number[])[],
  opts: { numPatches: number; padId?: number },
): MeteorBatch {
  if (items.length === 0) throw new BatchError("cannot build an empty batch");
  if (rationaleIds.length !== items.length) throw new BatchError(`${rationaleIds.length} rationales for ${items.length} items`);
  const pixels: Float32Array[] = [];
  const rows = items.map((it, i) => {
    const imageRow = it.pixels ? pixels.push(it.pixels) - 1 : -1;
    const prompt = mlmPrompt({ question: it.sample.question, hasImage: it.pixels !== undefined, numTor: 0, kind: "rationale" });
    const row = encodeRow(tok, prompt, null, imageRow, 0, opts.numPatches, 0);
    const answer = tok.encode(mlmTarget(it.sample.answer));
    const push = (id: number) => {
      row.ids.push(id);
      row.imageIndex.push(-1);
      row.torIndex.push(-1);
      row.targets.push(-1);
    };
    for (const id of [...rationaleIds[i]!, ...tok.encode(ANSWER_TURN)]) push(id);
    for (const id of answer) {
      row.targets[row.targets.length - 1] = id; // the previous position predicts this token
      push(id);
    }
    return row;
  });
  const images = pixels.length > 0 ? { pixels: concat(pixels), count: pixels.length } : undefined;
  return { size: items.length, ...(images ? { images } : {}), mlm: pack(rows, opts.padId ?? 0, pixels.length > 0, false, true) };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
