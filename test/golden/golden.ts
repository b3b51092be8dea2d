/** Reads the golden files written by `make_golden.py`, refusing a format version we do not know. */
import { readFileSync } from "node:fs";

export const GOLDEN_FORMAT = "meteor-golden";
export const GOLDEN_VERSION = 1;

export interface GoldenTensor {
  shape: number[];
  data: number[];
}

export interface MambaGolden {
  format: string;
  version: number;
  generator: string;
  torch: string;
  seed: number;
  config: Record<string, number | boolean>;
  tensors: Record<string, GoldenTensor>;
}

export const goldenPath = (name: string): URL => new URL(`./${name}`, import.meta.url);

/** A golden file's bytes as a plain Uint8Array (not a Node Buffer). */
export const goldenBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(goldenPath(name)));

export function readMambaGolden(): MambaGolden {
  const doc = JSON.parse(readFileSync(goldenPath("mamba-tiny.json"), "utf8")) as MambaGolden;
  if (doc.format !== GOLDEN_FORMAT || doc.version !== GOLDEN_VERSION) {
    throw new Error(
      `mamba-tiny.json is ${doc.format} v${doc.version}; this test reads ${GOLDEN_FORMAT} v${GOLDEN_VERSION}. ` +
        "Regenerate with /usr/bin/python3 test/golden/make_golden.py or update the test.",
    );
  }
  return doc;
}

export function goldenTensor(doc: MambaGolden, name: string): GoldenTensor {
  const t = doc.tensors[name];
  if (!t) throw new Error(`mamba-tiny.json has no tensor "${name}"`);
  return t;
}
