/**
 * @module Per-step log files with a size cap: past `maxBytes` the file rotates once (`.1`), so a
 * step printing 100 MB keeps at most 2 x maxBytes on disk and nothing in memory beyond the
 * write stream's buffer. Dropped lines are counted, not hidden.
 */
import { closeSync, createWriteStream, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_LOG_MAX_BYTES = 8 * 1024 * 1024;

export class StepLog {
  private stream: WriteStream;
  private bytes = 0;
  private rotations = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = DEFAULT_LOG_MAX_BYTES,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.bytes = existsSync(path) ? statSync(path).size : 0;
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(stream: string, line: string): void {
    const text = `${stream === 'stderr' ? '! ' : stream === 'system' ? '# ' : ''}${line}\n`;
    this.bytes += Buffer.byteLength(text);
    this.stream.write(text);
    if (this.bytes > this.maxBytes) this.rotate();
  }

  private rotate(): void {
    this.stream.end();
    renameSync(this.path, `${this.path}.1`);
    this.rotations++;
    this.stream = createWriteStream(this.path, { flags: 'w' });
    this.bytes = 0;
    this.stream.write(`# log rotated ${this.rotations} time(s): earlier output is in ${this.path}.1 (older output dropped)\n`);
  }

  close(): Promise<void> {
    return new Promise((r) => this.stream.end(r));
  }
}

/** The last `n` lines of a step log (reads at most the last 64 KB). */
export function tailLog(path: string, n: number): string[] {
  if (!existsSync(path)) return [];
  // A ranged read of the end: a 100 MB log is not read whole to show 200 lines.
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 65536);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8').split('\n').filter((l) => l.length > 0).slice(-n);
  } finally {
    closeSync(fd);
  }
}
