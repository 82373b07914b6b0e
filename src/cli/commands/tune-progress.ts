/**
 * @module The progress of `trainyard tune run`: on a terminal one line redrawn in place (a bar,
 * trials done, best value, pruned/failed/running counts); elsewhere (CI logs, pipes) a plain line
 * each time a trial finishes, so logs stay readable and greppable.
 */
import type { TrialState } from '../../tuning/index.js';

export interface Progress {
  done: number;
  target: number;
  counts: Partial<Record<TrialState, number>>;
  /** Best value (single objective) or Pareto front size (several), once known. */
  best: string | null;
}

const BAR = 24;

export function formatProgress(p: Progress, tty: boolean): string {
  const c = p.counts;
  const parts = [
    `trials ${p.done}/${p.target}`,
    `best ${p.best ?? '-'}`,
    `complete ${c.COMPLETE ?? 0}`,
    `pruned ${c.PRUNED ?? 0}`,
    `failed ${c.FAIL ?? 0}`,
    `running ${c.RUNNING ?? 0}`,
  ];
  if (!tty) return parts.join('  ');
  const filled = p.target ? Math.min(BAR, Math.round((p.done / p.target) * BAR)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${parts.join('  ')}`;
}

/** Writes progress to a stream: redraws one line on a TTY, appends a line per change elsewhere. */
export class ProgressLine {
  private last = '';
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(p: Progress): void {
    const line = formatProgress(p, this.tty);
    if (line === this.last) return;
    this.last = line;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Prints a line of worker output above the progress line. */
  print(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.tty && this.drawn) this.out.write(this.last);
  }

  end(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** A value for the progress line: 4 significant digits, as a number would read in a log. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}
