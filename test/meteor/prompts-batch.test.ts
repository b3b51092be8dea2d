import { describe, expect, it } from "vitest";
import { buildTokenizer } from "../../src/lib/data/tokenizer.ts";
import { insertTor } from "../../src/lib/data/insert-tor.ts";
import { BatchError, buildBatch } from "../../src/lib/meteor/batch.ts";
import { TEMPLATE_TEXTS, mambaPrompt, mlmPrompt } from "../../src/lib/meteor/prompts.ts";

describe("prompts", () => {
  it("lay out the Mamba input exactly as the official template", () => {
    expect(mambaPrompt("How many?", "<tor> a b <tor>", true)).toBe(
      "<s><|im_start|>user\n<image>\nHow many?<|im_end|>\n<|im_start|>rationale\n<tor> a b <tor><|im_end|>\n</s>",
    );
    expect(mambaPrompt("2+2?", "<tor>", false)).toBe("<s><|im_start|>user\n2+2?<|im_end|>\n<|im_start|>rationale\n<tor><|im_end|>\n</s>");
  });

  it("lay out the MLM input with the <tor> run first, the system message, and the answer suffix", () => {
    expect(mlmPrompt({ question: "Q?", hasImage: true, numTor: 3 })).toBe(
      "<s><tor><tor><tor><|im_start|>system\nYou should give helpful answer to user based on the rationale.<|im_end|>\n" +
        "<|im_start|>user\n<image>Q?\nAnswer the question using a single word or phrase.<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(mlmPrompt({ question: "Q?", hasImage: false, numTor: 3, kind: "mlm" })).not.toContain("<tor>");
    expect(mlmPrompt({ question: "Q?", hasImage: false, numTor: 3, kind: "oracle", rationale: "because." })).toContain("Q?\nRationale: because.");
  });
});

describe("batches", () => {
  const rationale = Array.from({ length: 30 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`).join(" ");
  const sample = { question: "what is it?", rationale, answer: "7" };
  const tok = buildTokenizer([rationale, sample.question, ...TEMPLATE_TEXTS]);
  const np = 4;

  it("expand <image> to one row per patch and number the <tor> rows in order", () => {
    const pixels = new Float32Array(8 * 8 * 3);
    const b = buildBatch([{ sample, pixels }, { sample }], tok, { system: "meteor", stage: "embed", numTor: 10, numPatches: np, placeTor: (r) => insertTor(r, 10) });
    expect(b.size).toBe(2);
    expect(b.images!.count).toBe(1);
    const m = b.mamba!;
    const imageId = tok.id("<image>");
    const torId = tok.id("<tor>");
    // row 0: four <image> rows with feature rows 0..3; row 1 (no image) none
    const row0 = Array.from(m.ids.subarray(0, m.length));
    const firstImage = row0.indexOf(imageId);
    expect(Array.from(m.imageIndex!.subarray(firstImage, firstImage + np + 1))).toEqual([0, 1, 2, 3, -1]);
    expect(Array.from(m.ids.subarray(m.length, 2 * m.length)).includes(imageId)).toBe(false);
    // tor rows: 0..9 in row 0, 10..19 in row 1, at the positions of <tor> tokens
    for (let i = 0; i < 2; i++) {
      const rowIds = Array.from(m.ids.subarray(i * m.length, (i + 1) * m.length));
      const rowTor = Array.from(m.torIndex!.subarray(i * m.length, (i + 1) * m.length));
      const positions = rowIds.flatMap((id, p) => (id === torId ? [p] : []));
      expect(positions.length).toBe(10);
      expect(positions.map((p) => rowTor[p])).toEqual(Array.from({ length: 10 }, (_, j) => i * 10 + j));
    }
    // the MLM sees neither question nor image in step 1, and predicts the rationale then <|im_end|>
    const mlm = b.mlm;
    expect(tok.decode(Array.from(mlm.ids.subarray(0, mlm.lengths[0]!)))).not.toContain("what is it");
    expect(Array.from(mlm.ids).includes(imageId)).toBe(false);
    const t = Array.from(mlm.targets!.subarray(mlm.length, 2 * mlm.length)).filter((x) => x >= 0);
    expect(tok.decode(t)).toBe(`${rationale}<|im_end|>`);
    expect(m.lengths[1]).toBeLessThan(m.lengths[0]!); // no image rows
  });

  it("targets in the answer stage are the answer and the end marker, shifted by one", () => {
    const b = buildBatch([{ sample }], tok, { system: "mlm", stage: "answer", numTor: 10, numPatches: np });
    expect(b.mamba).toBeUndefined();
    const ids = Array.from(b.mlm.ids);
    const targets = Array.from(b.mlm.targets!);
    const where = targets.flatMap((t, p) => (t >= 0 ? [p] : []));
    expect(where.map((p) => targets[p])).toEqual([tok.id("7"), tok.id("<|im_end|>")]);
    for (const p of where) expect(ids[p + 1]).toBe(targets[p]); // position p predicts token p + 1
  });

  it("rejects a rationale too short for the <tor> tokens, naming the sample", () => {
    const short = { question: "q?", rationale: "too short", answer: "1" };
    expect(() => buildBatch([{ sample }, { sample: short }], tok, { system: "meteor", stage: "embed", numTor: 10, numPatches: np, placeTor: (r) => insertTor(r, 10) })).toThrow(
      BatchError,
    );
    expect(() => buildBatch([{ sample }, { sample: short }], tok, { system: "meteor", stage: "embed", numTor: 10, numPatches: np, placeTor: (r) => insertTor(r, 10) })).toThrow(
      /sample 1 is too short to hold 10 <tor> tokens \(2 words\)/,
    );
  });
});
