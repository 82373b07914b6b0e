import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAll } from './artifact-store.contract.js';
import { readHead } from './stream-head.js';

const chunks = (sizes: number[]) => Readable.from(sizes.map((n, i) => Buffer.alloc(n, i)), { objectMode: false });

describe('readHead', () => {
  it('returns a body that fits the limit whole', async () => {
    const head = await readHead(chunks([3, 4]), 7);
    expect(head.kind).toBe('whole');
    if (head.kind === 'whole') expect(head.bytes.length).toBe(7);
  });

  it('returns an empty body whole', async () => {
    const head = await readHead(chunks([]), 7);
    expect(head).toEqual({ kind: 'whole', bytes: Buffer.alloc(0) });
  });

  it('replays what it read, then the rest, when the body is larger', async () => {
    const source = chunks([3, 4, 5, 6]);
    const head = await readHead(source, 7);
    expect(head.kind).toBe('stream');
    if (head.kind !== 'stream') return;
    const all = await readAll(head.stream);
    expect(all).toEqual(Buffer.concat([Buffer.alloc(3, 0), Buffer.alloc(4, 1), Buffer.alloc(5, 2), Buffer.alloc(6, 3)]));
  });

  it('passes a source failure on to the replay', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(10);
        throw new Error('dropped');
      })(),
    );
    const head = await readHead(failing, 5);
    if (head.kind !== 'stream') throw new Error('expected a stream');
    await expect(readAll(head.stream)).rejects.toThrow('dropped');
  });

  it('releases the source when the replay is abandoned', async () => {
    const source = chunks([10, 10, 10]);
    const head = await readHead(source, 5);
    if (head.kind !== 'stream') throw new Error('expected a stream');
    head.stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
