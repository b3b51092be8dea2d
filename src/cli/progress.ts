/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, one line per update
 * every few seconds otherwise, so logs stay readable).
 */
export class ProgressBar {
  #last = 0;
  readonly #start = performance.now();
  readonly #tty = Boolean(process.stderr.isTTY);

  constructor(
    readonly total: number,
    readonly label: string,
  ) {}

  update(done: number, fields: Record<string, string | number> = {}): void {
    const now = performance.now();
    const final = done >= this.total;
    if (!final && now - this.#last < (this.#tty ? 100 : 5000)) return;
    this.#last = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.#start) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === "number" ? formatNumber(v) : v}`)
      .join("  ");
    const line = `${this.label} [${"█".repeat(filled)}${"·".repeat(width - filled)}] ${done}/${this.total}  ${extra}  ${formatTime(elapsed)} elapsed, ${formatTime(eta)} left`;
    if (this.#tty) process.stderr.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else process.stderr.write(`${line}\n`);
  }

  /** A message that does not disturb the bar. */
  log(message: string): void {
    process.stderr.write(this.#tty ? `\r\x1b[2K${message}\n` : `${message}\n`);
  }
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : v.toFixed(3);
}

function formatTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`;
}
