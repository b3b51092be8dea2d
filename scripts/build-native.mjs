#!/usr/bin/env node
/**
 * Builds the native kernels (src/kernels/native, node-gyp) — run by `npm install` and by
 * `npm run build:native`. A failed build never fails the install: the library then uses its
 * JS kernels and says so (`meteor info`, and the backend line of every command). Skipped
 * with METEOR_NATIVE=0. `--strict` (CI) exits non-zero when the build fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "kernels", "native");
const strict = process.argv.includes("--strict");

function nodeGyp() {
  // npm puts its own node-gyp in npm_config_node_gyp for install scripts.
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js")];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ["node-gyp"];
}

if (process.env.METEOR_NATIVE === "0") {
  console.log("native kernels: skipped (METEOR_NATIVE=0); the JS kernels will be used");
  process.exit(0);
}
const [cmd, ...pre] = nodeGyp();
const started = Date.now();
const r = spawnSync(cmd, [...pre, "rebuild", "--loglevel=warn"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (r.status === 0) {
  console.log(`native kernels: built in ${((Date.now() - started) / 1000).toFixed(1)} s (src/kernels/native/build/Release/meteor_native.node)`);
  process.exit(0);
}
const why = r.error ? r.error.message : (r.stderr || r.stdout || "").trim().split("\n").slice(-15).join("\n");
console.log(`native kernels: build failed; the JS kernels will be used (slower). Needs python3, make and a C compiler.\n${why}`);
process.exit(strict ? 1 : 0);
