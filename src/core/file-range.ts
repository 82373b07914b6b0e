/**
 * @module Bounded reads of a growing log file: the last `maxBytes` first, then only what was
 * appended since an offset. A follower never reads the whole file on a tick.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface LogChunk {
  /** New text (from a line start when the read skipped earlier bytes). */
  text: string;
  /** Offset to ask from next time. */
  next: number;
  /** Bytes before `text` that were not sent (the first read of a big file). */
  skipped: number;
  /** True when the file shrank below the offset (rotated or rewritten): the reader starts over. */
  reset: boolean;
}

/** The most one read returns, so a follower far behind catches up in steps. */
export const MAX_CHUNK_BYTES = 256 * 1024;

/**
 * What `path` holds from `from` (or its last `tailBytes` when `from` is undefined), at most
 * MAX_CHUNK_BYTES, cut at the last complete line so a multi-byte character or a line is never
 * split between two chunks. A missing file reads as empty.
 */
export function readLogChunk(path: string, from: number | undefined, tailBytes = 64 * 1024): LogChunk {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', next: from ?? 0, skipped: 0, reset: false };
  }
  let reset = false;
  let start = from ?? Math.max(0, size - tailBytes);
  if (start > size) {
    reset = true;
    start = Math.max(0, size - tailBytes);
  }
  const skipped = from === undefined || reset ? start : 0;
  const len = Math.min(size - start, MAX_CHUNK_BYTES);
  if (len <= 0) return { text: '', next: start, skipped, reset };
  const buf = Buffer.alloc(len);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, len, start);
  } finally {
    closeSync(fd);
  }
  let body = buf;
  let begin = 0;
  // A tail that starts mid-file drops its partial first line.
  if (skipped > 0) {
    const nl = body.indexOf(10);
    begin = nl >= 0 ? nl + 1 : 0;
  }
  // Only whole lines go out; the partial last line waits for its newline.
  const lastNl = body.lastIndexOf(10);
  const end = lastNl >= begin ? lastNl + 1 : begin;
  body = body.subarray(begin, end);
  return { text: body.toString('utf8'), next: start + end, skipped: skipped + begin, reset };
}
