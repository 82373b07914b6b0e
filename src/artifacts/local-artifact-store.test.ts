import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conflict, InvalidParameter } from '../core/errors.js';
import { ESCAPING_PATHS, chunkedBody, readAll, runArtifactStoreConformance } from './artifact-store.contract.js';
import { sha256OfBytes } from './digest.js';
import { DEFAULT_LOCAL_ARTIFACT_ROOT, LocalArtifactStore } from './local-artifact-store.js';

runArtifactStoreConformance('local folder', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'trainyard-artifacts-'));
  const store = new LocalArtifactStore(path.join(dir, 'root'));
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('LocalArtifactStore', () => {
  let sandbox: string;
  let root: string;
  let outside: string;
  let store: LocalArtifactStore;

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'trainyard-local-'));
    root = path.join(sandbox, 'root');
    outside = path.join(sandbox, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.txt'), 'do not read');
    store = new LocalArtifactStore(root);
  });
  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('defaults to ./trainyard-data/artifacts', () => {
    expect(new LocalArtifactStore().root).toBe(path.resolve(DEFAULT_LOCAL_ARTIFACT_ROOT));
  });

  it('writes nothing outside the root for escaping paths', async () => {
    for (const bad of ESCAPING_PATHS) {
      await expect(store.put(bad, chunkedBody('x'))).rejects.toBeInstanceOf(InvalidParameter);
    }
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(await readdir(sandbox)).toEqual(['outside', 'root']);
    expect(await readdir(root)).toEqual([]);
  });

  describe('symlinks', () => {
    it('refuses a folder symlink that leaves the root, for every operation', async () => {
      await symlink(outside, path.join(root, 'escape'));
      const attempts = [
        () => store.get('escape/secret.txt'),
        () => store.stat('escape/secret.txt'),
        () => store.put('escape/planted.txt', chunkedBody('x')),
        () => store.list('escape'),
        () => store.delete('escape/secret.txt'),
        () => store.createMultipartUpload('escape/planted.txt'),
      ];
      for (const attempt of attempts) await expect(attempt()).rejects.toThrow(/symlink that leaves the artifact root/);
      expect(await readdir(outside)).toEqual(['secret.txt']);
      expect(await store.list()).toEqual([]); // The link itself is not listed either.
    });

    it('refuses a file symlink that leaves the root', async () => {
      await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link'));
      await expect(store.get('secret-link')).rejects.toBeInstanceOf(InvalidParameter);
      await expect(store.put('secret-link', chunkedBody('overwrite'))).rejects.toBeInstanceOf(InvalidParameter);
      expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('do not read');
    });

    it('refuses a dangling symlink, which a write would follow', async () => {
      await symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling'));
      await expect(store.put('dangling/x.txt', chunkedBody('x'))).rejects.toThrow(/target is missing/);
      expect(existsSync(path.join(outside, 'not-yet'))).toBe(false);
    });

    it('follows symlinks that stay inside the root', async () => {
      await store.put('real/data.txt', chunkedBody('inside'));
      await symlink(path.join(root, 'real'), path.join(root, 'alias'));
      expect((await readAll((await store.get('alias/data.txt')).stream)).toString()).toBe('inside');
      expect(await store.list()).toEqual([
        { path: 'alias', isDir: true },
        { path: 'real', isDir: true },
      ]);
    });

    it('accepts a root that is itself reached through a symlink', async () => {
      const linkedRoot = path.join(sandbox, 'linked-root');
      await symlink(root, linkedRoot);
      const linked = new LocalArtifactStore(linkedRoot);
      await linked.put('a/b.txt', chunkedBody('ok'));
      expect(await linked.list('a')).toEqual([{ path: 'b.txt', isDir: false, size: 2 }]);
    });
  });

  it('answers Conflict where a file and a folder would share a name', async () => {
    await store.put('a', chunkedBody('file'));
    await expect(store.put('a/b', chunkedBody('x'))).rejects.toBeInstanceOf(Conflict);
    await store.put('dir/x', chunkedBody('x'));
    await expect(store.put('dir', chunkedBody('x'))).rejects.toBeInstanceOf(Conflict);
    expect(await readdir(path.join(root, '.trainyard', 'tmp'))).toEqual([]); // Temp files cleaned up.
  });

  it('keeps reporting the digest it stored after the file is changed behind its back, so tampering is detectable', async () => {
    const { sha256 } = await store.put('edited.txt', chunkedBody('original'));
    await writeFile(path.join(root, 'edited.txt'), 'edited outside trainyard');
    const stat = await store.stat('edited.txt');
    expect(stat).toMatchObject({ isDir: false, size: 24, sha256 });
    expect((await store.get('edited.txt')).sha256).toBe(sha256);
    expect(sha256).not.toBe(sha256OfBytes('edited outside trainyard'));
  });

  it('prunes folders a delete leaves empty, as S3 has none', async () => {
    await store.put('x/y/z.txt', chunkedBody('z'));
    await store.delete('x/y/z.txt');
    expect(await readdir(root)).toEqual(['.trainyard']);
  });

  it('keeps multipart parts on disk, so uploads survive a restart', async () => {
    const uploadId = await store.createMultipartUpload('big.bin');
    const etag = await store.uploadPart('big.bin', uploadId, 1, chunkedBody('part one'));
    expect(etag).toBe(sha256OfBytes('part one'));
    const restarted = new LocalArtifactStore(root);
    expect(await restarted.completeMultipartUpload('big.bin', uploadId, [{ partNumber: 1, etag }])).toEqual({
      size: 8,
      sha256: etag,
    });
    expect(await readdir(path.join(root, '.trainyard', 'uploads'))).toEqual([]);
  });

  it('never leaves a half-written file at the final path when killed with SIGKILL', async () => {
    await store.put('model.bin', chunkedBody('previous version'));
    const moduleUrl = pathToFileURL(fileURLToPath(new URL('./local-artifact-store.ts', import.meta.url))).href;
    // The child streams an endless body into model.bin and new.bin; we kill it mid-write.
    const script = `
      import { Readable } from 'node:stream';
      const { LocalArtifactStore } = await import(${JSON.stringify(moduleUrl)});
      const store = new LocalArtifactStore(${JSON.stringify(root)});
      const endless = () => Readable.from((async function* () {
        for (let i = 0; ; i++) { if (i === 20) console.log('writing'); yield Buffer.alloc(64 * 1024, 7); await new Promise((r) => setTimeout(r, 1)); }
      })());
      store.put('model.bin', endless());
      store.put('new.bin', endless());
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('writing') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const tmpFiles = await readdir(path.join(root, '.trainyard', 'tmp'));
    expect(tmpFiles.length).toBeGreaterThan(0); // The partial bytes exist, but only as temp files.
    expect((await readAll((await store.get('model.bin')).stream)).toString()).toBe('previous version');
    expect(await store.exists('new.bin')).toBe(false);
    expect(await store.list()).toEqual([{ path: 'model.bin', isDir: false, size: 16 }]);
  });
});
