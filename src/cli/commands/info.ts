/** `meteor info` — the named presets and their exact parameter counts. */
import { MAMBA_PRESETS, mambaPreset } from "../../lib/mamba/config.ts";
import { countMambaParams } from "../../lib/mamba/params.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../main.ts";

const HELP = `meteor info [--preset NAME] [--json]

Prints each preset's sizes and exact parameter count (or one preset's).`;

export const infoCommand: Command = {
  summary: "presets and their exact parameter counts",
  async run(argv) {
    const args = parseCommandArgs(argv, { preset: { type: "string" }, json: { type: "boolean" } }, HELP);
    if (!args) return;
    const names = args.values.preset ? [String(args.values.preset)] : Object.keys(MAMBA_PRESETS);
    const rows = names.map((name) => {
      const cfg = mambaPreset(name);
      return { preset: name, kind: "mamba", parameters: countMambaParams(cfg), config: cfg };
    });
    if (args.values.json) {
      console.log(JSON.stringify({ presets: rows }));
      return;
    }
    console.log(["preset".padEnd(14), "layers".padStart(6), "dModel".padStart(7), "dInner".padStart(7), "dState".padStart(7), "vocab".padStart(7), "parameters".padStart(14)].join(" "));
    for (const r of rows) {
      const c = r.config;
      console.log(
        [r.preset.padEnd(14), String(c.nLayer).padStart(6), String(c.dModel).padStart(7), String(c.dInner).padStart(7), String(c.dState).padStart(7), String(c.vocabSize).padStart(7), r.parameters.toLocaleString("en-US").padStart(14)].join(" "),
      );
    }
  },
};
