/**
 * No import circles (house style: a shared type gets its own file). Every relative import of
 * every TypeScript file under src/, bench/, docs/ and test/ — `import type` included, since a
 * type-only circle is still a design circle — forms a graph that must have no cycle.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DIRS = ["src", "bench", "docs", "test"];
const SKIP = new Set(["node_modules", ".observablehq", "dist", "build", "artifacts"]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Relative `.ts` imports and re-exports of `file`, as absolute paths. */
function importsOf(file: string, source: string): string[] {
  const specs = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+\.ts)["']/gms)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s));
}

/** Every cycle's files in import order (one per strongly connected start), empty when there is none. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("import graph", () => {
  it("finds a planted cycle (the checker can fail)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycles(g)).toEqual([["a", "b", "c", "a"]]);
    expect(importsOf("/x/y.ts", `import type { T } from "../z.ts";\nexport { u } from "./u.ts";\nimport * as v from "pkg";`)).toEqual(["/z.ts", "/x/u.ts"]);
  });

  it("has no cycle in src/, bench/, docs/ or test/", () => {
    const files = DIRS.flatMap((d) => tsFiles(join(ROOT, d)));
    const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, "utf8"))]));
    const cycles = findCycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(" → "));
    expect(cycles).toEqual([]);
  });
});
