/**
 * @module The ArtifactStore conformance suite: the one set of behaviours every adapter must show.
 * Each adapter's test file calls `runArtifactStoreConformance` with a factory; a case an adapter
 * (or its test server) cannot run is skipped by title, with the reason printed in the test name.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameter, NotFound } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { EMPTY_SHA256, sha256OfBytes } from './digest.js';

/** A fresh, empty store and how to dispose of it. */
export interface ConformanceHarness {
  store: ArtifactStore;
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** Case title -> why this adapter skips it. */
  skip?: Record<string, string>;
}

const MiB = 1024 * 1024;

/** Paths that must be refused by every operation, before any I/O. */
export const ESCAPING_PATHS = [
  '..',
  '../outside.txt',
  'a/../../outside.txt',
  '/etc/passwd',
  '%2e%2e/outside.txt',
  '%252e%252e/outside.txt',
  'a%2f..%2f..%2foutside.txt',
  'a\\..\\outside.txt',
  'a\0b',
  'a%00b',
  'C:/Windows/win.ini',
];

/** A body that arrives in chunks, as an HTTP request does. */
export function chunkedBody(bytes: Buffer | string, chunkSize = 64 * 1024): Readable {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
    })(),
    { objectMode: false },
  );
}

/** A body that yields `bytesBeforeFailure` bytes and then fails, like a dropped upload. */
export function failingBody(bytesBeforeFailure: number): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytesBeforeFailure; sent += MiB) yield Buffer.alloc(Math.min(MiB, bytesBeforeFailure - sent), 1);
      throw new Error('client went away');
    })(),
    { objectMode: false },
  );
}

export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * Registers the conformance cases for one adapter.
 *
 * @example
 * runArtifactStoreConformance('local', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'ty-'));
 *   return { store: new LocalArtifactStore(dir), cleanup: () => rm(dir, { recursive: true }) };
 * });
 */
export function runArtifactStoreConformance(
  name: string,
  makeStore: () => Promise<ConformanceHarness>,
  options: ConformanceOptions = {},
): void {
  describe(`ArtifactStore conformance: ${name}`, () => {
    let store: ArtifactStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const test = (title: string, fn: () => Promise<void>): void => {
      const reason = options.skip?.[title];
      if (reason) it.skip(`${title} (skipped: ${reason})`, fn);
      else it(title, fn);
    };

    const text = async (path: string): Promise<string> => (await readAll((await store.get(path)).stream)).toString();

    test('round-trips a small file with its sha256', async () => {
      const result = await store.put('hello.txt', chunkedBody('hello, artifacts'));
      expect(result).toEqual({ size: 16, sha256: sha256OfBytes('hello, artifacts') });
      const download = await store.get('hello.txt');
      expect(download.size).toBe(16);
      expect(download.totalSize).toBe(16);
      expect(download.sha256).toBe(result.sha256);
      expect((await readAll(download.stream)).toString()).toBe('hello, artifacts');
    });

    test('round-trips a multi-MB file streamed in chunks', async () => {
      const data = randomBytes(20 * MiB + 123);
      const result = await store.put('big/weights.bin', chunkedBody(data, 256 * 1024));
      expect(result).toEqual({ size: data.length, sha256: sha256OfBytes(data) });
      const download = await store.get('big/weights.bin');
      expect(download.size).toBe(data.length);
      expect(sha256OfBytes(await readAll(download.stream))).toBe(result.sha256);
      const stat = await store.stat('big/weights.bin');
      expect(stat).toMatchObject({ isDir: false, size: data.length, sha256: result.sha256 });
    });

    test('stores an empty file', async () => {
      expect(await store.put('empty', chunkedBody(''))).toEqual({ size: 0, sha256: EMPTY_SHA256 });
      const download = await store.get('empty');
      expect(download.size).toBe(0);
      expect((await readAll(download.stream)).length).toBe(0);
      expect(await store.stat('empty')).toMatchObject({ isDir: false, size: 0, sha256: EMPTY_SHA256 });
    });

    test('lists one level of nested folders', async () => {
      await store.put('run/model/MLmodel', chunkedBody('flavors: {}'));
      await store.put('run/model/data/model.pkl', chunkedBody('pickle'));
      await store.put('run/metrics.json', chunkedBody('{}'));
      expect(await store.list('run')).toEqual([
        { path: 'metrics.json', isDir: false, size: 2 },
        { path: 'model', isDir: true },
      ]);
      expect(await store.list('run/model/')).toEqual([
        { path: 'MLmodel', isDir: false, size: 11 },
        { path: 'data', isDir: true },
      ]);
      expect(await store.list()).toEqual([{ path: 'run', isDir: true }]);
    });

    test('lists a missing folder or a file as empty', async () => {
      await store.put('only.txt', chunkedBody('x'));
      expect(await store.list('nowhere')).toEqual([]);
      expect(await store.list('only.txt')).toEqual([]);
    });

    test('overwrites a file', async () => {
      await store.put('notes.txt', chunkedBody('first version, longer'));
      const second = await store.put('notes.txt', chunkedBody('second'));
      expect(await text('notes.txt')).toBe('second');
      expect(await store.stat('notes.txt')).toMatchObject({ size: 6, sha256: second.sha256 });
    });

    test('deletes a file, leaving its siblings', async () => {
      await store.put('d/a.txt', chunkedBody('a'));
      await store.put('d/b.txt', chunkedBody('b'));
      await store.delete('d/a.txt');
      expect(await store.exists('d/a.txt')).toBe(false);
      await expect(store.get('d/a.txt')).rejects.toBeInstanceOf(NotFound);
      expect(await text('d/b.txt')).toBe('b');
    });

    test('deletes a whole prefix, and only that prefix', async () => {
      await store.put('runs/1/a.txt', chunkedBody('a'));
      await store.put('runs/1/deep/b.txt', chunkedBody('b'));
      await store.put('runs/10/keep.txt', chunkedBody('keep'));
      await store.put('runs/1.txt', chunkedBody('keep too'));
      await store.delete('runs/1');
      expect(await store.exists('runs/1')).toBe(false);
      expect(await store.exists('runs/1/deep/b.txt')).toBe(false);
      expect(await store.list('runs')).toEqual([
        { path: '1.txt', isDir: false, size: 8 },
        { path: '10', isDir: true },
      ]);
      await store.delete('runs');
      expect(await store.list()).toEqual([]);
    });

    test('deleting a missing path is not an error', async () => {
      await expect(store.delete('never/was')).resolves.toBeUndefined();
    });

    test('refuses to delete the root', async () => {
      await store.put('stays.txt', chunkedBody('x'));
      for (const root of ['', '.', '/', './']) {
        await expect(store.delete(root)).rejects.toBeInstanceOf(InvalidParameter);
      }
      expect(await store.exists('stays.txt')).toBe(true);
    });

    test('answers NotFound for a missing file', async () => {
      await expect(store.get('missing.txt')).rejects.toBeInstanceOf(NotFound);
      await expect(store.stat('missing.txt')).rejects.toBeInstanceOf(NotFound);
      await expect(store.get('missing/deeper.txt', { start: 0 })).rejects.toBeInstanceOf(NotFound);
      expect(await store.exists('missing.txt')).toBe(false);
    });

    test('answers NotFound when get is given a folder', async () => {
      await store.put('folder/file.txt', chunkedBody('x'));
      await expect(store.get('folder')).rejects.toBeInstanceOf(NotFound);
      await expect(store.get('')).rejects.toBeInstanceOf(NotFound);
    });

    test('stats files and folders', async () => {
      const before = Date.now();
      await store.put('s/file.bin', chunkedBody('12345'));
      const file = await store.stat('s/file.bin');
      expect(file).toMatchObject({ path: 's/file.bin', isDir: false, size: 5, sha256: sha256OfBytes('12345') });
      if (!file.isDir) expect(file.modifiedAt.getTime()).toBeGreaterThan(before - 5 * 60_000);
      expect(await store.stat('s')).toEqual({ path: 's', isDir: true });
      expect(await store.stat('')).toEqual({ path: '', isDir: true });
      expect(await store.exists('s')).toBe(true);
    });

    test('serves byte ranges', async () => {
      await store.put('r.txt', chunkedBody('0123456789'));
      const cases = [
        { range: { start: 0, end: 3 }, body: '0123', served: { start: 0, end: 3 } },
        { range: { start: 4 }, body: '456789', served: { start: 4, end: 9 } },
        { range: { start: 9, end: 9 }, body: '9', served: { start: 9, end: 9 } },
        { range: { start: 7, end: 1000 }, body: '789', served: { start: 7, end: 9 } },
      ];
      for (const c of cases) {
        const download = await store.get('r.txt', c.range);
        expect((await readAll(download.stream)).toString()).toBe(c.body);
        expect(download).toMatchObject({ size: c.body.length, totalSize: 10, range: c.served });
      }
    });

    test('rejects a range past the end of the file', async () => {
      await store.put('r.txt', chunkedBody('0123456789'));
      await expect(store.get('r.txt', { start: 10 })).rejects.toBeInstanceOf(InvalidParameter);
      await store.put('empty', chunkedBody(''));
      await expect(store.get('empty', { start: 0 })).rejects.toBeInstanceOf(InvalidParameter);
    });

    test('rejects a malformed range before any I/O', async () => {
      for (const range of [{ start: -1 }, { start: 5, end: 2 }, { start: 1.5 }, { start: Number.NaN }]) {
        await expect(store.get('not-even-there', range)).rejects.toBeInstanceOf(InvalidParameter);
      }
    });

    test('handles concurrent puts to different paths', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(i < 2 ? 9 * MiB : 300_000 + i));
      const results = await Promise.all(bodies.map((b, i) => store.put(`c/${i}.bin`, chunkedBody(b))));
      for (const [i, body] of bodies.entries()) {
        expect(results[i]).toEqual({ size: body.length, sha256: sha256OfBytes(body) });
        expect(sha256OfBytes(await readAll((await store.get(`c/${i}.bin`)).stream))).toBe(results[i]!.sha256);
      }
      expect((await store.list('c')).map((e) => e.path)).toEqual(bodies.map((_, i) => `${i}.bin`));
    });

    test('keeps unicode and unusual names', async () => {
      const names = ['ünïcödé/日本語 ファイル.txt', 'ünïcödé/emoji 🚀.txt', 'ünïcödé/100% done+1=2 (v1).txt', 'ünïcödé/a%20b'];
      for (const name of names) await store.put(name, chunkedBody(name));
      for (const name of names) expect(await text(name)).toBe(name);
      expect((await store.list('ünïcödé')).map((e) => e.path)).toEqual([
        '100% done+1=2 (v1).txt',
        'a%20b',
        'emoji 🚀.txt',
        '日本語 ファイル.txt',
      ]);
    });

    test('rejects paths that escape the root, touching nothing', async () => {
      for (const bad of ESCAPING_PATHS) {
        const attempts = [
          () => store.put(bad, chunkedBody('x')),
          () => store.get(bad),
          () => store.stat(bad),
          () => store.list(bad),
          () => store.delete(bad),
          () => store.exists(bad),
          () => store.createMultipartUpload(bad),
        ];
        for (const attempt of attempts) {
          await expect(attempt(), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidParameter);
        }
      }
      await expect(store.get('../outside.txt')).rejects.toThrow(/"\.\.\/outside\.txt"/);
      expect(await store.list()).toEqual([]);
    });

    test('reserves its own root entry', async () => {
      await expect(store.put('.trainyard/tmp/x', chunkedBody('x'))).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.list('.Trainyard')).rejects.toBeInstanceOf(InvalidParameter);
      await store.put('nested/.trainyard', chunkedBody('allowed below the root'));
      expect(await text('nested/.trainyard')).toBe('allowed below the root');
    });

    test('discards a put whose size differs from the announced one', async () => {
      await expect(store.put('short.bin', chunkedBody('abc'), { size: 5 })).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.put('long.bin', chunkedBody(randomBytes(6 * MiB)), { size: 6 * MiB - 1 })).rejects.toBeInstanceOf(
        InvalidParameter,
      );
      await expect(store.put('bad.bin', chunkedBody('x'), { size: -1 })).rejects.toBeInstanceOf(InvalidParameter);
      expect(await store.list()).toEqual([]);
      expect(await store.put('exact.bin', chunkedBody('abc'), { size: 3 })).toMatchObject({ size: 3 });
    });

    test('discards a put whose digest does not match, keeping the old file', async () => {
      await store.put('model.bin', chunkedBody('old'));
      const wrong = sha256OfBytes('something else');
      await expect(store.put('model.bin', chunkedBody('new'), { expectedSha256: wrong })).rejects.toBeInstanceOf(InvalidParameter);
      await expect(
        store.put('model.bin', chunkedBody(randomBytes(10 * MiB)), { expectedSha256: wrong }),
      ).rejects.toBeInstanceOf(InvalidParameter);
      expect(await text('model.bin')).toBe('old');
      const right = sha256OfBytes('new');
      expect(await store.put('model.bin', chunkedBody('new'), { expectedSha256: right })).toEqual({ size: 3, sha256: right });
      await expect(store.put('x', chunkedBody('x'), { expectedSha256: 'not-hex' })).rejects.toBeInstanceOf(InvalidParameter);
    });

    test('leaves nothing behind when the body fails', async () => {
      await expect(store.put('broken-small', failingBody(1000))).rejects.toThrow();
      await expect(store.put('broken-large', failingBody(12 * MiB))).rejects.toThrow();
      await store.put('kept', chunkedBody('kept'));
      await expect(store.put('kept', failingBody(12 * MiB))).rejects.toThrow();
      expect(await store.list()).toEqual([{ path: 'kept', isDir: false, size: 4 }]);
      expect(await text('kept')).toBe('kept');
    });

    test('round-trips a multipart upload', async () => {
      const part1 = randomBytes(5 * MiB);
      const part2 = randomBytes(100_000);
      const uploadId = await store.createMultipartUpload('mp/checkpoint.pt');
      // Out of order and with a replaced part, as parallel clients produce.
      const etag2 = await store.uploadPart('mp/checkpoint.pt', uploadId, 2, chunkedBody(part2), { size: part2.length });
      await store.uploadPart('mp/checkpoint.pt', uploadId, 1, chunkedBody(randomBytes(5 * MiB)), { size: 5 * MiB });
      const etag1 = await store.uploadPart('mp/checkpoint.pt', uploadId, 1, chunkedBody(part1));
      expect(await store.list()).toEqual([]);
      const whole = Buffer.concat([part1, part2]);
      const result = await store.completeMultipartUpload('mp/checkpoint.pt', uploadId, [
        { partNumber: 1, etag: etag1 },
        { partNumber: 2, etag: etag2 },
      ]);
      expect(result).toEqual({ size: whole.length, sha256: sha256OfBytes(whole) });
      expect(sha256OfBytes(await readAll((await store.get('mp/checkpoint.pt')).stream))).toBe(result.sha256);
      expect(await store.stat('mp/checkpoint.pt')).toMatchObject({ size: whole.length, sha256: result.sha256 });
      expect(await store.list()).toEqual([{ path: 'mp', isDir: true }]);
    });

    test('refuses to complete an upload twice', async () => {
      const uploadId = await store.createMultipartUpload('mp/once.bin');
      const etag = await store.uploadPart('mp/once.bin', uploadId, 1, chunkedBody('once'), { size: 4 });
      await store.completeMultipartUpload('mp/once.bin', uploadId, [{ partNumber: 1, etag }]);
      await expect(store.completeMultipartUpload('mp/once.bin', uploadId, [{ partNumber: 1, etag }])).rejects.toBeInstanceOf(
        NotFound,
      );
      expect(await text('mp/once.bin')).toBe('once');
    });

    test('binds an upload id to the path it was opened for', async () => {
      const uploadId = await store.createMultipartUpload('mp/file.bin');
      await expect(store.uploadPart('mp/other.bin', uploadId, 1, chunkedBody('x'), { size: 1 })).rejects.toBeInstanceOf(NotFound);
    });

    test('aborts a multipart upload', async () => {
      const uploadId = await store.createMultipartUpload('mp/aborted.bin');
      const etag = await store.uploadPart('mp/aborted.bin', uploadId, 1, chunkedBody('part'), { size: 4 });
      await store.abortMultipartUpload('mp/aborted.bin', uploadId);
      await expect(
        store.completeMultipartUpload('mp/aborted.bin', uploadId, [{ partNumber: 1, etag }]),
      ).rejects.toBeInstanceOf(NotFound);
      await expect(store.abortMultipartUpload('mp/aborted.bin', uploadId)).rejects.toBeInstanceOf(NotFound);
      expect(await store.exists('mp/aborted.bin')).toBe(false);
    });

    test('rejects malformed multipart input', async () => {
      const uploadId = await store.createMultipartUpload('mp/file.bin');
      await expect(store.uploadPart('mp/file.bin', 'forged/../id', 1, chunkedBody('x'))).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.uploadPart('mp/file.bin', uploadId, 0, chunkedBody('x'))).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.uploadPart('mp/file.bin', uploadId, 10_001, chunkedBody('x'))).rejects.toBeInstanceOf(InvalidParameter);
      await expect(
        store.completeMultipartUpload('mp/file.bin', uploadId, [
          { partNumber: 2, etag: 'a' },
          { partNumber: 1, etag: 'b' },
        ]),
      ).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.completeMultipartUpload('mp/file.bin', uploadId, [])).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.createMultipartUpload('')).rejects.toBeInstanceOf(InvalidParameter);
    });
  });
}
