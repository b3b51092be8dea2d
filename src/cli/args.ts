/** Shared argument parsing for CLI commands (node:util parseArgs with clear errors). */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `--flag -1` → `--flag=-1` for a string-valued flag followed by a negative number, which
 * node's parseArgs would otherwise refuse as "ambiguous"; the flag's own check then judges
 * the value.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const next = argv[k + 1];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      k++;
    } else out.push(a);
  }
  return out;
}

/**
 * Parses `argv` against `options`; `--help` prints `help` and returns null. No command takes
 * positional arguments: a stray word (`meteor train small`) is refused, not ignored.
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  help: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
  const { values, positionals } = parsed;
  if ((values as Record<string, unknown>).help) {
    console.log(help);
    return null;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}": every value follows its --flag (e.g. --name value)\n\n${help}`);
  }
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

/** An integer flag's value (undefined when absent), at least `min` (and at most `max`), with a message naming the flag. */
export function intFlag(flag: string, v: string | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}` : min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer ≥ ${min}`;
    throw new UsageError(`--${flag} must be ${range}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** "1,2,3" → [1, 2, 3], with a message naming the bad entry. */
export function parseIntList(flag: string, s: string): number[] {
  return s.split(",").map((x, i) => {
    const v = Number(x.trim());
    if (x.trim() === "" || !Number.isInteger(v)) throw new UsageError(`${flag}: entry ${i} ("${x}") is not an integer`);
    return v;
  });
}

export const BACKEND_OPTION = { backend: { type: "string" } } as const;
