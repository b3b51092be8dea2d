import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { goldenTensor, readMambaGolden } from "../golden/golden.ts";
import { assertAllclose } from "../helpers/allclose.ts";
import { runCli } from "./run-cli.ts";

const weights = fileURLToPath(new URL("../golden/mamba-tiny.safetensors", import.meta.url));

describe("meteor mamba", () => {
  it("prints the logits of every position of a Hugging Face checkpoint, matching the PyTorch reference", async () => {
    const doc = readMambaGolden();
    const ids = goldenTensor(doc, "input_ids");
    const logits = goldenTensor(doc, "logits");
    const [, l, v] = logits.shape as [number, number, number];
    const row0 = ids.data.slice(0, l);
    const r = await runCli(["mamba", "--weights", weights, "--ids", row0.join(","), "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: wasm/);
    const out = JSON.parse(r.stdout) as { logits: number[][]; next: number };
    expect(out.logits.length).toBe(l);
    assertAllclose(out.logits.flat(), logits.data.slice(0, l * v), { atol: 2e-5, rtol: 2e-4, name: "CLI logits", shape: [l, v] });
    const last = logits.data.slice((l - 1) * v, l * v);
    expect(out.next).toBe(last.indexOf(Math.max(...last)));
  });

  it("names the problem for a corrupt file, an out-of-range id and a missing flag", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meteor-cli-"));
    const bad = join(dir, "bad.safetensors");
    writeFileSync(bad, Buffer.from([1, 2, 3]));
    const corrupt = await runCli(["mamba", "--weights", bad, "--ids", "1"]);
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/shorter than the 8-byte header length|8 bytes/);
    const range = await runCli(["mamba", "--weights", weights, "--ids", "1,999"]);
    expect(range.status).toBe(1);
    expect(range.stderr).toMatch(/token id 999 .* outside the vocabulary \[0, 37\)/);
    const usage = await runCli(["mamba", "--ids", "1"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--weights is required/);
  });
});
