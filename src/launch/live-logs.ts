/**
 * @module Logs of a running attempt, on the server: the supervisor sends each rank's new stdout
 * and stderr lines once a second (one request for all ranks), the server appends them under its
 * home, and a page tails them with bounded reads. When the attempt ends the full files are
 * attached to the tracking run as before; these copies are what a page sees meanwhile.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter } from '../core/errors.js';
import { readLogChunk, type LogChunk } from '../core/file-range.js';

/** A live copy stops growing here (the full file still reaches the run's artifacts at the end). */
export const LIVE_LOG_MAX_BYTES = 32 * 1024 * 1024;

export interface LiveLogChunk {
  rank: number;
  stream: 'stdout' | 'stderr';
  /** Byte offset of `text` in the rank's own file, so a resent chunk is not appended twice. */
  offset: number;
  text: string;
}

export class JobLiveLogs {
  constructor(private readonly home: string) {}

  /** One folder per job id, whatever characters the id has: a job id never names a path. */
  private file(jobId: string, attempt: number, rank: number, stream: string): string {
    const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
    const hash = createHash('sha256').update(jobId).digest('hex').slice(0, 10);
    return join(this.home, 'live-logs', 'jobs', `${safe}-${hash}`, `attempt-${attempt}`, `rank-${rank}.${stream}.log`);
  }

  append(jobId: string, attempt: number, chunks: LiveLogChunk[]): void {
    if (chunks.length > 10_000) throw new InvalidParameter(`Too many chunks (${chunks.length}): send at most 10000 at once.`);
    for (const c of chunks) {
      if (!c || typeof c !== 'object') throw new InvalidParameter(`Invalid value for parameter 'chunks': expected a list of { rank, stream, offset, text }.`);
      if (!Number.isInteger(c.rank) || c.rank < 0 || c.rank > 100_000) throw new InvalidParameter(`Invalid value for parameter 'chunks.rank': expected an integer from 0 to 100000.`);
      if (c.stream !== 'stdout' && c.stream !== 'stderr') throw new InvalidParameter(`Invalid value for parameter 'chunks.stream': expected stdout or stderr.`);
      if (!Number.isInteger(c.offset) || c.offset < 0) throw new InvalidParameter(`Invalid value for parameter 'chunks.offset': expected a non-negative integer.`);
      if (typeof c.text !== 'string') throw new InvalidParameter(`Invalid value for parameter 'chunks.text': expected a string.`);
    }
    for (const c of chunks) {
      const path = this.file(jobId, attempt, c.rank, c.stream);
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        mkdirSync(join(path, '..'), { recursive: true });
      }
      if (size >= LIVE_LOG_MAX_BYTES) continue;
      let bytes = Buffer.from(c.text, 'utf8');
      // A chunk sent again after a lost answer overlaps what is here: append only the new part.
      if (c.offset < size) bytes = bytes.subarray(Math.min(bytes.length, size - c.offset));
      if (bytes.length) appendFileSync(path, bytes);
    }
  }

  read(jobId: string, attempt: number, rank: number, stream: 'stdout' | 'stderr', from: number | undefined): LogChunk {
    return readLogChunk(this.file(jobId, attempt, rank, stream), from);
  }
}
