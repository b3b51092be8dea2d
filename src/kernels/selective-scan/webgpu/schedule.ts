/**
 * Which schedule a WebGPU scan runs (see `forward-program.ts`). "sequential" gives each
 * (row, channel) one invocation that walks all l steps: b·d invocations, too few to fill a
 * GPU when b·d is small and l long. "chunked" also splits the sequence into chunks
 * (b·nChunks·d invocations) at the price of a second pass over the inputs (chunk summaries,
 * then the replay) and ⌈log₂ nChunks⌉ small combine passes.
 */
import type { ScanSchedule } from "../declaration.ts";
import { numChunks, type Schedule, type ScanShape } from "./forward-program.ts";

/** Below this many (row, channel) invocations, "auto" chunks a long sequence. */
export const CHUNKED_BELOW_INVOCATIONS = 2048;
/** …provided there are at least this many chunks to spread. */
export const CHUNKED_MIN_CHUNKS = 8;

export function pickSchedule(requested: ScanSchedule | undefined, s: ScanShape): Schedule {
  if (requested === "sequential" || requested === "chunked") return requested;
  return s.b * s.d < CHUNKED_BELOW_INVOCATIONS && numChunks(s) >= CHUNKED_MIN_CHUNKS ? "chunked" : "sequential";
}
