/**
 * Issue 3's memory bound, at the storage layer: a 1 GiB upload and download through each adapter
 * keeps this process under 200 MB of RSS. The S3 server (s3rver) runs in a child process here so
 * that only the adapter's memory is measured. TRAINYARD_MEMORY_TEST_MB shrinks the body for quick
 * runs (any size above the 200 MB bound still proves the body is not held whole).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.js';
import { sha256OfStream } from './digest.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

const MiB = 1024 * 1024;
const BODY_MB = Number(process.env.TRAINYARD_MEMORY_TEST_MB ?? 1024);
const RSS_LIMIT = 200 * 1000 * 1000;
const TIMEOUT_MS = 10 * 60_000;

/** BODY_MB mebibytes from one reused 1 MiB buffer, so the source itself holds nothing. */
function generatedBody(): Readable {
  const block = Buffer.alloc(MiB, 0x5a);
  return Readable.from(
    (function* () {
      for (let i = 0; i < BODY_MB; i++) yield block;
    })(),
    { objectMode: false },
  );
}

/** Runs `work` while sampling RSS; returns the peak. */
async function peakRss(work: () => Promise<void>): Promise<number> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss());
}

async function roundTrip(store: ArtifactStore): Promise<number> {
  const expected = await sha256OfStream(generatedBody());
  return peakRss(async () => {
    const put = await store.put('big/1gb.bin', generatedBody());
    expect(put).toEqual(expected);
    const download = await store.get('big/1gb.bin');
    expect(await sha256OfStream(download.stream)).toEqual(expected);
  });
}

describe(`streaming ${BODY_MB} MiB through each adapter`, () => {
  let sandbox: string;
  let s3rver: ChildProcess | undefined;
  let endpoint: string;

  beforeAll(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'trainyard-memory-'));
    const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
    const script = `
      const S3rver = require(${JSON.stringify(s3rverPath)});
      new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(path.join(sandbox, 's3'))},
        configureBuckets: [{ name: 'memory' }] }).run().then((a) => console.log('PORT ' + a.port));
    `;
    s3rver = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    endpoint = await new Promise<string>((resolve, reject) => {
      s3rver!.stdout!.on('data', (d: Buffer) => {
        const port = /PORT (\d+)/.exec(d.toString())?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
      s3rver!.on('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    });
  });

  afterAll(async () => {
    if (s3rver && s3rver.exitCode === null) {
      const exited = new Promise((resolve) => s3rver!.on('exit', resolve));
      s3rver.kill();
      await exited;
    }
    await rm(sandbox, { recursive: true, force: true });
  });

  it('local folder stays under 200 MB RSS', { timeout: TIMEOUT_MS }, async () => {
    const peak = await roundTrip(new LocalArtifactStore(path.join(sandbox, 'local')));
    console.log(`local: peak RSS ${(peak / 1e6).toFixed(0)} MB for ${BODY_MB} MiB`);
    expect(peak).toBeLessThan(RSS_LIMIT);
  });

  it('S3 stays under 200 MB RSS', { timeout: TIMEOUT_MS }, async () => {
    const store = new S3ArtifactStore({
      bucket: 'memory',
      endpoint,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const peak = await roundTrip(store);
    await store.close();
    console.log(`s3: peak RSS ${(peak / 1e6).toFixed(0)} MB for ${BODY_MB} MiB`);
    expect(peak).toBeLessThan(RSS_LIMIT);
  });
});
