/**
 * Field checks shared by every config resolver: each names the field by its full path
 * (`mlm.nHead`, `run.steps.embed`) and shows the offending value.
 */

/** Thrown for a configuration that cannot describe a model or run; the message names the field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * `v` as JSON for an error message. JSON.parse accepts nesting deeper than JSON.stringify
 * can print (20,000 nested arrays overflow the stack), so such a value is described instead.
 */
export function showValue(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Array.isArray(v) ? "a deeply nested array" : "a deeply nested object";
  }
}

/**
 * An integer ≥ `min` (1 unless given), and safe (≤ 2^53 − 1): sizes derived from it
 * (dInner = expand·dModel, numPatches = (imageSize/patchSize)²) stay exact and finite.
 */
export function intField(path: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    const what = min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : `an integer ≥ ${min}`;
    throw new ConfigError(`${path} must be ${what}, got ${showValue(v)}`);
  }
  return v;
}

/** A finite number > 0. */
export function positiveField(path: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${path} must be a finite positive number, got ${showValue(v)}`);
  }
  return v;
}

export function boolField(path: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new ConfigError(`${path} must be true or false, got ${showValue(v)}`);
  return v;
}

/** Throws for keys of `input` outside `known` (a typo must not fall back to a default silently). */
export function rejectUnknownKeys(scope: string, input: object, known: Iterable<string>): void {
  const set = new Set(known);
  for (const k of Object.keys(input)) if (!set.has(k)) throw new ConfigError(`unknown ${scope} config field "${k}"`);
}
