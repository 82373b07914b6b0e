import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { spawnServer } from './helpers/server-process.js';

const GB = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** A generated 1 GB body: chunk i is filled with byte (i * 31) % 251, so its digest is known. */
function generated(): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i * CHUNK >= GB) return void this.push(null);
      this.push(Buffer.alloc(CHUNK, (i++ * 31) % 251));
    },
  });
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/**
 * 1 GB up and down through the server's artifact proxy streams end to end: the server's peak RSS
 * stays under 200 MB (MLflow's proxy used 30 GB of RAM for 1 GB, issue #22665).
 */
it('streams a 1 GB upload and download through the server in under 200 MB of RSS', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ty-1gb-'));
  const server = await spawnServer(['--home', home]);
  try {
    const expected = createHash('sha256');
    for (let i = 0; i * CHUNK < GB; i++) expected.update(Buffer.alloc(CHUNK, (i * 31) % 251));
    const sha = expected.digest('hex');
    const url = `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/big/artifacts/data.bin`;
    const put = await fetch(url, { method: 'PUT', body: Readable.toWeb(generated()) as any, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit);
    expect(put.status).toBe(200);
    expect(put.headers.get('x-trainyard-sha256')).toBe(sha);
    const get = await fetch(url);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of get.body as any as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
    expect(size).toBe(GB);
    expect(hash.digest('hex')).toBe(sha);
    const peak = peakRssMb(server.child.pid!);
    expect(peak).toBeLessThan(200);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(home, { recursive: true, force: true });
  }
}, 240_000);
