/** Every fuzz target, in the order the runner reports them. */
import type { FuzzTarget } from "../harness.ts";
import { checkpointTarget } from "./checkpoint.ts";
import { mambaConfigTarget, meteorConfigTarget, runConfigTarget } from "./config.ts";
import { insertTorTarget } from "./insert-tor.ts";
import { pngTarget } from "./png.ts";
import { mambaTarget, safetensorsTarget } from "./safetensors.ts";
import { tokenizerTarget } from "./tokenizer.ts";

export const TARGETS: readonly FuzzTarget<never, never>[] = [
  safetensorsTarget,
  mambaTarget,
  checkpointTarget,
  mambaConfigTarget,
  meteorConfigTarget,
  runConfigTarget,
  tokenizerTarget,
  pngTarget,
  insertTorTarget,
] as unknown as FuzzTarget<never, never>[];
