/** @module CLI output: aligned tables for people, JSON for scripts, one-line errors. */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table; long cells are cut so a row fits a terminal line. */
export function printTable(headers: string[], rows: (string | number | undefined | null)[][], maxCell = 40): void {
  const cells = rows.map((r) => r.map((c) => cut(c === undefined || c === null ? '' : String(c), maxCell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(line(headers) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const r of cells) process.stdout.write(line(r) + '\n');
}

function cut(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

export function formatTime(ms: number | undefined): string {
  if (!ms) return '';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Exits with a one-line error: what went wrong and, from the message, what to fix. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`trainyard: error: ${message.split('\n')[0]}\n`);
  process.exit(code);
}
