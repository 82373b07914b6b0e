/**
 * @module Streaming sha256: every stored file, dataset digest and model package is hashed while
 * its bytes flow, never by loading it whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

/** A digest and the byte count it covers. */
export interface DigestResult {
  /** Lowercase hex. */
  sha256: string;
  size: number;
}

/** sha256 of zero bytes, handy for empty artifacts and tests. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * A pass-through stream that hashes and counts what flows through it. Put it in a `pipeline`
 * between source and sink, then read `result()` once the pipeline resolves.
 *
 * @example
 * const tap = new Sha256Tap();
 * await pipeline(body, tap, createWriteStream(file));
 * const { sha256, size } = tap.result();
 */
export class Sha256Tap extends Transform {
  readonly #hash: Hash = createHash('sha256');
  #size = 0;
  #digest: string | undefined;

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#hash.update(bytes);
    this.#size += bytes.length;
    callback(null, bytes);
  }

  /** The digest of everything that passed; call after the stream has finished. */
  result(): DigestResult {
    this.#digest ??= this.#hash.digest('hex');
    return { sha256: this.#digest, size: this.#size };
  }
}

/**
 * Hashes everything a stream (or any async iterable of bytes) yields.
 *
 * @example
 * const { sha256 } = await sha256OfStream((await store.get('model.bin')).stream);
 */
export async function sha256OfStream(source: AsyncIterable<Uint8Array | string>): Promise<DigestResult> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    size += bytes.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Hashes a file on disk, streaming it. */
export function sha256OfFile(filePath: string): Promise<DigestResult> {
  return sha256OfStream(createReadStream(filePath));
}

/** Hashes bytes already in memory (small things: manifests, test fixtures). */
export function sha256OfBytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** True for a 64-character lowercase hex string. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
