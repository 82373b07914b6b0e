import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CHUNK_BYTES, readLogChunk } from './file-range.js';

describe('readLogChunk', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'ty-range-')), 'log');

  it('reads the last bytes from a line start first, then only what was appended, whole lines only', () => {
    const f = file();
    writeFileSync(f, 'a'.repeat(100) + '\nline two\nline three\npart');
    const first = readLogChunk(f, undefined, 30);
    expect(first.text).toBe('line two\nline three\n');
    expect(first.skipped).toBe(101);
    expect(first.reset).toBe(false);
    expect(readLogChunk(f, first.next).text).toBe('');
    appendFileSync(f, 'ial\nnext\n');
    const second = readLogChunk(f, first.next);
    expect(second.text).toBe('partial\nnext\n');
    expect(second.skipped).toBe(0);
  });

  it('starts over when the file shrank (rotated), and reads a missing file as empty', () => {
    const f = file();
    expect(readLogChunk(f, undefined)).toEqual({ text: '', next: 0, skipped: 0, reset: false });
    writeFileSync(f, 'one\ntwo\nthree\n');
    const a = readLogChunk(f, undefined);
    writeFileSync(f, 'new\n');
    const b = readLogChunk(f, a.next);
    expect(b).toMatchObject({ text: 'new\n', reset: true });
  });

  it('bounds one read, so a follower far behind catches up in steps', () => {
    const f = file();
    const line = 'x'.repeat(99) + '\n';
    writeFileSync(f, line.repeat(Math.ceil((3 * MAX_CHUNK_BYTES) / line.length)));
    let at = 0;
    let reads = 0;
    for (;;) {
      const c = readLogChunk(f, at);
      if (!c.text) break;
      expect(c.text.length).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
      expect(c.text.endsWith('\n')).toBe(true);
      at = c.next;
      reads++;
    }
    expect(reads).toBeGreaterThanOrEqual(3);
  });
});
