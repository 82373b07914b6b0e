/**
 * Many workers on one study, as separate OS processes against a server process: three TS workers
 * (the built SDK in dist/) and one Python worker (the stdlib client). One TS worker is killed with
 * SIGKILL in the middle of a trial. Checks: trial numbers are unique and dense, no two workers
 * ever got the same trial, the dead worker's trial is failed by heartbeat expiry, and its params
 * come back as a retry that another worker completes. Needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

interface Worker {
  child: ChildProcess;
  started: number[];
  ended: number[];
  exited: Promise<number | null>;
  log: string;
}

function startWorker(cmd: string, args: string[], onStart?: (n: number) => void): Worker {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const w: Worker = { child, started: [], ended: [], exited: new Promise((r) => child.once('exit', (code) => r(code))), log: '' };
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      w.log += line + '\n';
      const m = /^(START|END) (\d+)$/.exec(line);
      if (!m) continue;
      const n = Number(m[2]);
      if (m[1] === 'START') {
        w.started.push(n);
        onStart?.(n);
      } else w.ended.push(n);
    }
  });
  child.stderr!.on('data', (d) => (w.log += d));
  return w;
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe.each(DIALECTS)('4 worker processes on one study (%s)', (dialect) => {
  let db: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    server = await spawnServer(['--home', db.home, '--db', db.url]);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await db?.drop();
  });

  it('keeps trials unique across workers and retries the trial of a worker killed mid-trial', async () => {
    const name = `workers-${dialect}`;
    // Beats every 250 ms; a trial silent for 500 ms is failed at the next ask and retried once.
    await api(server.url, 'POST', '/api/v1/studies', { name, direction: 'minimize', sampler: 'tpe', seed: 1, heartbeat_interval_ms: 250, max_retry: 1 });
    const tsWorker = here('./helpers/tuning-worker.mjs');
    let killed: number | null = null;
    const victim = startWorker(process.execPath, [tsWorker, server.url, name, '8'], (n) => {
      if (killed === null) {
        killed = n;
        victim.child.kill('SIGKILL');
      }
    });
    const others = [
      startWorker(process.execPath, [tsWorker, server.url, name, '8']),
      startWorker(process.execPath, [tsWorker, server.url, name, '8']),
      startWorker('python3', [here('./helpers/tuning-worker.py'), server.url, name, '8']),
    ];
    const codes = await Promise.all([victim, ...others].map((w) => w.exited));
    expect(codes[0]).toBeNull(); // killed by a signal
    for (const [i, w] of others.entries()) expect(codes[i + 1], w.log).toBe(0);
    expect(killed).not.toBeNull();
    expect(victim.ended).not.toContain(killed);

    const { trials } = await api(server.url, 'GET', `/api/v1/studies/${name}/trials`);
    const numbers = trials.map((t: any) => t.number);
    expect(numbers).toEqual(Array.from({ length: trials.length }, (_, i) => i)); // unique and dense
    const claimed = [victim, ...others].flatMap((w) => w.started);
    expect(new Set(claimed).size).toBe(claimed.length); // no trial went to two workers

    const dead = trials[killed!];
    expect(dead.state).toBe('FAIL');
    expect(dead.system_attrs.fail_reason).toMatch(/No heartbeat/);
    const retry = trials.find((t: any) => t.system_attrs.failed_trial === killed);
    expect(retry, JSON.stringify(trials.map((t: any) => [t.number, t.state, t.system_attrs]))).toBeDefined();
    expect(retry.state).toBe('COMPLETE');
    expect(retry.params).toEqual(dead.params);
    expect(retry.system_attrs.retry_history).toEqual([killed]);
    expect(others.some((w) => w.ended.includes(retry.number))).toBe(true);
    // Everyone else's trials completed: 3 workers x 8 trials, one of them the retry.
    expect(trials.filter((t: any) => t.state === 'COMPLETE').length).toBe(24);
  });
});
