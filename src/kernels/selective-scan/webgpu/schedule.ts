/**
 * Which schedule a WebGPU scan runs (see `forward-program.ts`). "sequential" gives each
 * (row, channel) one invocation that walks all l steps: b·d invocations, too few to fill a
 * GPU when b·d is small and l long. "chunked" also splits the sequence into chunks
 * (b·nChunks·d invocations) at the price of a second pass over the inputs (chunk summaries,
 * then the replay) and ⌈log₂ nChunks⌉ small combine passes, and with a backward whose replay
 * scratch grows to about b·l·d·n floats (the sequential one keeps b·d·(chunk + 1)·n).
 */
import type { ScanSchedule } from "../declaration.ts";
import { numChunks, type Schedule, type ScanShape } from "./forward-program.ts";

/** Below this many (row, channel) invocations, "auto" chunks a long sequence. */
export const CHUNKED_BELOW_INVOCATIONS = 2048;
/** …provided there are at least this many chunks to spread… */
export const CHUNKED_MIN_CHUNKS = 8;
/** …and the chunked backward's replay scratch (b·nChunks·d·(chunk + 1)·n floats) stays below this. */
export const CHUNKED_MAX_SCRATCH_BYTES = 256 * 2 ** 20;

export function pickSchedule(requested: ScanSchedule | undefined, s: ScanShape): Schedule {
  if (requested === "sequential" || requested === "chunked") return requested;
  const scratch = 4 * s.b * numChunks(s) * s.d * (s.chunk + 1) * s.n;
  const chunked = s.b * s.d < CHUNKED_BELOW_INVOCATIONS && numChunks(s) >= CHUNKED_MIN_CHUNKS && scratch <= CHUNKED_MAX_SCRATCH_BYTES;
  return chunked ? "chunked" : "sequential";
}
