import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { chunkedBody, readAll, runArtifactStoreConformance } from './artifact-store.contract.js';
import { sha256OfBytes } from './digest.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** The slice of s3rver's API we use (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

const BUCKET = 'trainyard-test';
const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's built-in account.

let server: S3rverServer;
let dataDir: string;
let endpoint: string;

beforeAll(async () => {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  dataDir = await mkdtemp(path.join(tmpdir(), 'trainyard-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dataDir,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A store on its own prefix of the shared bucket, so every case starts empty. */
function makeStore(prefix = `t-${randomUUID()}`): S3ArtifactStore {
  return new S3ArtifactStore({ bucket: BUCKET, prefix, endpoint, credentials: S3RVER_KEYS });
}

runArtifactStoreConformance(
  's3 (s3rver)',
  async () => {
    const store = makeStore();
    return { store, cleanup: () => store.close() };
  },
  {
    skip: {
      // s3rver 3.7 answers DELETE ?uploadId= with 405 MethodNotAllowed; AWS, MinIO and Ceph implement it.
      'aborts a multipart upload': 's3rver has no AbortMultipartUpload',
      // s3rver keys uploads by id alone and answers a finished id with 500; AWS answers NoSuchUpload.
      'refuses to complete an upload twice': 's3rver answers 500, not NoSuchUpload, for a finished upload',
      'binds an upload id to the path it was opened for': 's3rver ignores the key of an upload part',
    },
  },
);

describe('S3ArtifactStore on s3rver', () => {
  it('records the sha256 as object metadata for small and large puts', async () => {
    const store = makeStore('meta');
    const big = Buffer.alloc(9 * 1024 * 1024, 3);
    await store.put('small.txt', chunkedBody('small'));
    await store.put('large.bin', chunkedBody(big));
    const raw = new S3ArtifactStore({ bucket: BUCKET, endpoint, credentials: S3RVER_KEYS });
    // Read back through a second store on the bucket root: the digest travels with the object.
    expect(await raw.stat('meta/small.txt')).toMatchObject({ sha256: sha256OfBytes('small') });
    expect(await raw.stat('meta/large.bin')).toMatchObject({ size: big.length, sha256: sha256OfBytes(big) });
    expect(await raw.list('meta')).toEqual([
      { path: 'large.bin', isDir: false, size: big.length },
      { path: 'small.txt', isDir: false, size: 5 },
    ]);
    await Promise.all([store.close(), raw.close()]);
  });

  it('works on the bucket root (no prefix) and hides its staging area there', async () => {
    const store = new S3ArtifactStore({ bucket: BUCKET, endpoint, credentials: S3RVER_KEYS });
    const uploadId = await store.createMultipartUpload('root-level.bin');
    await store.uploadPart('root-level.bin', uploadId, 1, chunkedBody('x'), { size: 1 });
    expect((await store.list()).map((e) => e.path)).not.toContain('.trainyard');
    await store.put('root-level.bin', chunkedBody('root'));
    expect((await readAll((await store.get('root-level.bin')).stream)).toString()).toBe('root');
    await store.delete('root-level.bin');
    await store.close();
  });

  it('reports an unreachable endpoint as temporarily unavailable', async () => {
    const store = new S3ArtifactStore({ bucket: BUCKET, endpoint: 'http://127.0.0.1:9', credentials: S3RVER_KEYS });
    const failure = await store.stat('x').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' });
    await store.close();
  });

  it('names the missing bucket in the error', async () => {
    const store = new S3ArtifactStore({ bucket: 'no-such-bucket', endpoint, credentials: S3RVER_KEYS });
    await expect(store.put('x', chunkedBody('x'))).rejects.toThrow(/bucket 'no-such-bucket' does not exist/);
    await store.close();
  });
});
