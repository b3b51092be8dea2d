/** `meteor info` — the named presets and their exact parameter counts. */
import { MAMBA_PRESETS, mambaPreset } from "../../lib/mamba/config.ts";
import { countMambaParams } from "../../lib/mamba/params.ts";
import { METEOR_PRESETS, countMeteorParams, meteorPreset } from "../../lib/meteor/config.ts";
import { UsageError, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `meteor info [--preset NAME] [--json]

Prints the Meteor presets (parameters per part: vision encoder, projectors, Meteor-Mamba,
MLM) and the Mamba presets, with exact parameter counts; or one preset's.
Example: meteor info --preset meteor-7b`;

const fmt = (n: number) => n.toLocaleString("en-US");

export const infoCommand: Command = {
  summary: "presets and their exact parameter counts",
  async run(argv) {
    const args = parseCommandArgs(argv, { preset: { type: "string" }, json: { type: "boolean" } }, HELP);
    if (!args) return;
    const only = args.values.preset as string | undefined;
    if (only && !(only in METEOR_PRESETS) && !(only in MAMBA_PRESETS)) {
      throw new UsageError(`unknown preset "${only}"; Meteor presets: ${Object.keys(METEOR_PRESETS).join(", ")}; Mamba presets: ${Object.keys(MAMBA_PRESETS).join(", ")}`);
    }
    const meteorNames = Object.keys(METEOR_PRESETS).filter((n) => !only || n === only);
    const mambaNames = Object.keys(MAMBA_PRESETS).filter((n) => !only || n === only);
    const meteor = meteorNames.map((name) => ({ preset: name, kind: "meteor", parameters: countMeteorParams(meteorPreset(name)), config: meteorPreset(name) }));
    const mamba = mambaNames.map((name) => ({ preset: name, kind: "mamba", parameters: countMambaParams(mambaPreset(name)), config: mambaPreset(name) }));
    if (args.values.json) {
      console.log(JSON.stringify({ meteor, mamba }));
      return;
    }
    if (meteor.length) {
      const parts = ["vision", "mambaVisionProjector", "mamba", "torProjector", "mlmVisionProjector", "mlm", "total"] as const;
      console.log("Meteor presets (parameters)");
      console.log(["preset".padEnd(10), ...parts.map((p) => p.padStart(p === "total" ? 15 : Math.max(12, p.length)))].join(" "));
      for (const r of meteor) {
        console.log([r.preset.padEnd(10), ...parts.map((p) => fmt(r.parameters[p]).padStart(p === "total" ? 15 : Math.max(12, p.length)))].join(" "));
      }
      console.log("");
    }
    if (mamba.length) {
      console.log("Mamba presets");
      console.log(["preset".padEnd(14), "layers".padStart(6), "dModel".padStart(7), "dInner".padStart(7), "dState".padStart(7), "vocab".padStart(7), "parameters".padStart(14)].join(" "));
      for (const r of mamba) {
        const c = r.config;
        console.log(
          [r.preset.padEnd(14), String(c.nLayer).padStart(6), String(c.dModel).padStart(7), String(c.dInner).padStart(7), String(c.dState).padStart(7), String(c.vocabSize).padStart(7), fmt(r.parameters).padStart(14)].join(" "),
        );
      }
    }
  },
};
