/**
 * Content addresses for the ablation cache: a SHA-256 of a value's canonical JSON (object
 * keys sorted at every depth, so key order never matters). `ABLATION_CODE_VERSION` is part
 * of every hashed value: bump it when a change to the code changes what a cached run would
 * compute (its training, data or scoring), and every cached cell and pretrain is recomputed.
 */
import { createHash } from "node:crypto";

/** Bump when the meaning of a cached cell or pretrain changes. */
export const ABLATION_CODE_VERSION = 4; // 2: pixel normalisation, image-projector norm, tiers, blank-image scores; 3: a training stream per seed; 4: the training mix's perception share

/**
 * JSON with sorted keys. Rejects what JSON cannot hold faithfully (undefined inside arrays,
 * functions, non-finite numbers), so two different configs can never print alike;
 * undefined object fields are dropped, as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown, path = "$"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`).join(",")}}`;
  }
  throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
}

/** Hex SHA-256 of `{ codeVersion, kind, value }`'s canonical JSON. */
export function configHash(kind: string, value: unknown): string {
  return createHash("sha256").update(canonicalJson({ codeVersion: ABLATION_CODE_VERSION, kind, value })).digest("hex");
}
