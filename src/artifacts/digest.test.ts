import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, Sha256Tap, isSha256Hex, sha256OfBytes, sha256OfFile, sha256OfStream } from './digest.js';

const reference = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('digest', () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);

  it('hashes a stream of chunks', async () => {
    const chunks = [data.subarray(0, 10), data.subarray(10, 70_000), data.subarray(70_000)];
    expect(await sha256OfStream(Readable.from(chunks))).toEqual({ sha256: reference(data), size: data.length });
  });

  it('hashes string chunks as UTF-8', async () => {
    expect(await sha256OfStream(Readable.from(['héllo', ' wörld']))).toEqual({
      sha256: reference('héllo wörld'),
      size: Buffer.byteLength('héllo wörld'),
    });
  });

  it('hashes a file and nothing at all', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trainyard-digest-'));
    try {
      await writeFile(path.join(dir, 'f'), data);
      await writeFile(path.join(dir, 'empty'), '');
      expect(await sha256OfFile(path.join(dir, 'f'))).toEqual({ sha256: reference(data), size: data.length });
      expect(await sha256OfFile(path.join(dir, 'empty'))).toEqual({ sha256: EMPTY_SHA256, size: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('taps a pipeline without changing the bytes', async () => {
    const tap = new Sha256Tap();
    const received: Buffer[] = [];
    await pipeline(Readable.from([data.subarray(0, 5), data.subarray(5)]), tap, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) received.push(chunk);
    });
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(tap.result()).toEqual({ sha256: reference(data), size: data.length });
    expect(tap.result().sha256).toBe(reference(data)); // Asking twice is fine.
  });

  it('recognizes sha256 hex', () => {
    expect(sha256OfBytes('')).toBe(EMPTY_SHA256);
    expect(isSha256Hex(EMPTY_SHA256)).toBe(true);
    expect(isSha256Hex(EMPTY_SHA256.toUpperCase())).toBe(false);
    expect(isSha256Hex(EMPTY_SHA256.slice(1))).toBe(false);
    expect(isSha256Hex(undefined)).toBe(false);
  });
});
