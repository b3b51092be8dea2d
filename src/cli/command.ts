/** A CLI command: its one-line summary for `meteor --help`, and what it does with its arguments. */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}
