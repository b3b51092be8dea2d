/**
 * `meteor <command> [options]` — the playground's command line. Each command lives in
 * `commands/`; this file only dispatches and turns errors into one clear line.
 */
import { infoCommand } from "./commands/info.ts";
import { mambaCommand } from "./commands/mamba.ts";
import { dataCommand } from "./commands/data.ts";
import { trainCommand } from "./commands/train.ts";
import { evalCommand } from "./commands/eval.ts";
import { askCommand } from "./commands/ask.ts";
import { ablateCommand } from "./commands/ablate.ts";
import { UsageError } from "./args.ts";
import type { Command } from "./command.ts";

const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  mamba: mambaCommand,
  data: dataCommand,
  train: trainCommand,
  eval: evalCommand,
  ask: askCommand,
  ablate: ablateCommand,
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return ["usage: meteor <command> [options]   (meteor <command> --help for its options)", "", "commands:", ...rows].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  await cmd.run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  console.error(`meteor: ${e.name === "Error" ? "" : `${e.name}: `}${e.message}`);
  if (process.env.METEOR_DEBUG) console.error(e.stack);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
