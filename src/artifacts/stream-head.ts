/**
 * @module Peek at the start of a stream: small bodies come back whole (one cheap request with the
 * digest attached), large ones as a stream that replays what was read and then the rest, so
 * memory never exceeds the limit.
 */
import { Readable } from 'node:stream';

export type StreamHead = { kind: 'whole'; bytes: Buffer } | { kind: 'stream'; stream: Readable };

/** Reads up to `limit` bytes; if the stream ends by then the bytes are returned whole. */
export async function readHead(source: Readable, limit: number): Promise<StreamHead> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { kind: 'whole', bytes: Buffer.concat(head) };
    const bytes = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(bytes);
    size += bytes.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head.splice(0); // Hand the buffered chunks over and forget them.
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  const stream = Readable.from(replay(), { objectMode: false });
  // Abandoning the replay (e.g. a failed upload) must release the source too.
  stream.once('close', () => source.destroy());
  return { kind: 'stream', stream };
}
