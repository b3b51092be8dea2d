/** Reads a JSON file given by a flag (`--config`, `--base`) that must hold an object of fields. */
import { readFile } from "node:fs/promises";
import { UsageError } from "./args.ts";

export async function readJsonObject(flag: string, path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new UsageError(`${flag} ${path}: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${flag} ${path}: must hold a JSON object of run-config fields, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  }
  return value as Record<string, unknown>;
}
