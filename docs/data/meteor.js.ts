/**
 * Loader: `docs/components/meteor-browser.ts` (the library's browser entry) bundled with
 * esbuild into one ES module on stdout; esbuild warnings on stderr; exits non-zero when
 * bundling fails. See that file for why the pages need a bundle.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

try {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../components/meteor-browser.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  for (const w of result.warnings) process.stderr.write(`esbuild: ${w.text}\n`);
  process.stdout.write(result.outputFiles[0]!.contents);
} catch (err) {
  process.stderr.write(`bundling the library failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
