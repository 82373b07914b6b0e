import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameter } from '../core/errors.js';
import { assertRealPathInside, normalizeArtifactPath, resolveSafeArtifactPath } from './safe-path.js';

describe('normalizeArtifactPath', () => {
  const accepted: [input: string, normalized: string][] = [
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['model.pkl', 'model.pkl'],
    ['model/data/model.pkl', 'model/data/model.pkl'],
    ['./model//data/./model.pkl', 'model/data/model.pkl'],
    ['dir/', 'dir'],
    ['..hidden/..x/x..', '..hidden/..x/x..'], // Dots inside a name are just characters.
    ['...', '...'],
    ['a%20b.txt', 'a%20b.txt'], // Stored as given: decoding is only used to look for traversal.
    ['100% done.txt', '100% done.txt'], // Not valid percent-encoding: plain text.
    ['%2e/a', '%2e/a'], // Decodes to './a', which stays inside.
    ['日本語/ファイル 🚀.txt', '日本語/ファイル 🚀.txt'],
    ['nested/.trainyard/x', 'nested/.trainyard/x'], // Only reserved at the root.
  ];
  it.each(accepted)('accepts %j as %j', (input, normalized) => {
    expect(normalizeArtifactPath(input)).toBe(normalized);
  });

  const rejected: [input: string, reason: RegExp][] = [
    ['..', /'\.\.' segment/],
    ['../etc/passwd', /'\.\.' segment/],
    ['a/../../b', /'\.\.' segment/],
    ['a/..', /'\.\.' segment/],
    ['/etc/passwd', /absolute/],
    ['//server/share', /absolute/],
    ['C:/Windows', /drive letter/],
    ['c:evil', /drive letter/],
    ['a\\b', /backslash/],
    ['..\\..\\windows', /backslash/],
    ['a\0b', /NUL/],
    ['model.pkl\0.txt', /NUL/],
    ['%2e%2e/etc/passwd', /'\.\.' segment \(after percent-decoding\)/],
    ['%2E%2E/etc/passwd', /'\.\.' segment \(after percent-decoding\)/],
    ['..%2fetc%2fpasswd', /'\.\.' segment \(after percent-decoding\)/],
    ['a%2f..%2f..%2fb', /'\.\.' segment \(after percent-decoding\)/],
    ['%252e%252e/etc/passwd', /'\.\.' segment \(after percent-decoding\)/],
    ['%25252e%25252e/x', /'\.\.' segment \(after percent-decoding\)/],
    ['%2fetc%2fpasswd', /absolute \(after percent-decoding\)/],
    ['a%5cb', /backslash \(after percent-decoding\)/],
    ['a%00b', /NUL byte \(after percent-decoding\)/],
    ['a%2500b', /NUL byte \(after percent-decoding\)/],
    ['%2525252525252e', /percent-encoded more than/],
    ['.trainyard/tmp/x', /reserved/],
    ['./.TrainYard', /reserved/],
    ['x'.repeat(1025), /longer than 1024 bytes/],
    [`a/${'x'.repeat(256)}/b`, /longer than 255 bytes/],
  ];
  it.each(rejected)('rejects %j', (input, reason) => {
    const attempt = () => normalizeArtifactPath(input);
    expect(attempt).toThrow(InvalidParameter);
    expect(attempt).toThrow(reason);
    // Names the path (a long one by its first 200 characters: errors never echo whole inputs).
    const named = input.length > 200 ? `${JSON.stringify(input.slice(0, 200))}...` : JSON.stringify(input);
    expect(attempt).toThrow(`Artifact path ${named} is not allowed`);
  });
});

describe('resolveSafeArtifactPath', () => {
  const cases: [root: string, input: string, resolved: string][] = [
    ['/data/artifacts', 'run/model.pkl', '/data/artifacts/run/model.pkl'],
    ['/data/artifacts/', 'model.pkl', '/data/artifacts/model.pkl'],
    ['/data/artifacts', '', '/data/artifacts'],
    ['1/abc/artifacts', 'plots/loss.png', '1/abc/artifacts/plots/loss.png'], // An object-key prefix.
    ['', 'a/b', 'a/b'],
  ];
  it.each(cases)('joins %j and %j', (root, input, resolved) => {
    expect(resolveSafeArtifactPath(root, input)).toBe(resolved);
  });

  it.each(['../other-run/secret', '/abs', '%2e%2e/x', 'a\0'])('refuses %j under a run root', (input) => {
    expect(() => resolveSafeArtifactPath('1/abc/artifacts', input)).toThrow(InvalidParameter);
  });
});

describe('assertRealPathInside', () => {
  let sandbox: string;
  let root: string;
  beforeAll(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'trainyard-safe-path-'));
    root = path.join(sandbox, 'root');
    await mkdir(path.join(root, 'real'), { recursive: true });
    await mkdir(path.join(sandbox, 'outside'));
    await writeFile(path.join(sandbox, 'outside', 'secret'), 'x');
    await symlink(path.join(sandbox, 'outside'), path.join(root, 'out-dir'));
    await symlink(path.join(sandbox, 'outside', 'secret'), path.join(root, 'out-file'));
    await symlink('../outside', path.join(root, 'relative-out'));
    await symlink(path.join(root, 'real'), path.join(root, 'in-dir'));
    await symlink(path.join(sandbox, 'missing'), path.join(root, 'dangling'));
  });
  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  const table: [relative: string, outcome: 'ok' | RegExp][] = [
    ['real', 'ok'],
    ['real/not-yet/created.txt', 'ok'],
    ['in-dir/x.txt', 'ok'],
    ['brand/new/path.txt', 'ok'],
    ['out-dir', /leaves the artifact root/],
    ['out-dir/secret', /leaves the artifact root/],
    ['out-dir/new/file.txt', /leaves the artifact root/],
    ['out-file', /leaves the artifact root/],
    ['relative-out/secret', /leaves the artifact root/],
    ['dangling', /target is missing/],
    ['dangling/x', /target is missing/],
  ];
  it.each(table)('%j -> %s', async (relative, outcome) => {
    const check = assertRealPathInside(root, path.join(root, relative), relative);
    if (outcome === 'ok') await expect(check).resolves.toBeUndefined();
    else await expect(check).rejects.toThrow(outcome);
  });

  it('accepts anything under a root that does not exist yet, and creates nothing', async () => {
    const absent = path.join(sandbox, 'absent-root');
    await expect(assertRealPathInside(absent, path.join(absent, 'a/b'), 'a/b')).resolves.toBeUndefined();
    expect(await readdir(sandbox)).not.toContain('absent-root');
  });
});
