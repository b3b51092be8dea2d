/** Shared argument parsing for CLI commands (node:util parseArgs with clear errors). */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` against `options`; `--help` prints `help` and returns null. */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  help: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | null {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if ((values as Record<string, unknown>).help) {
      console.log(help);
      return null;
    }
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
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
