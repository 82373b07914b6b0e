import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import type { TestServer } from './helpers/server.js';
import { createRun, fullHistory, getRun, logBatch, ok, tagOf } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

interface ChildReport {
  ok: number;
  errors: string[];
  errorCount: number;
}

const helper = (name: string) => fileURLToPath(new URL(`./helpers/${name}`, import.meta.url));

/** Runs a node script in its own OS process and parses the one JSON line it prints. */
function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildReport);
      } catch {
        reject(new Error(`child printed no report: ${out.slice(-500)} ${err.slice(-1000)}`));
      }
    });
  });
}

const CLIENTS = 8;
const BATCHES = 25;
const PER_BATCH = 50;

/** Total points over all buckets of a series: checks the per-block counts the writer keeps. */
async function seriesCount(s: TestServer, runId: string, key: string): Promise<number> {
  const body = ok(await s.call('GET', `/api/v1/runs/${runId}/metrics/${key}/series?buckets=1`));
  return body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
}

describe.each(DIALECTS)('concurrent writers on %s', (dialect) => {
  const server = useServer(dialect);

  it(`${CLIENTS} client processes streaming log-batch see no error, and every count is exact`, async () => {
    const s = server();
    const sharedRun = (await createRun(s)).info.run_id;
    const ownRuns = await Promise.all(Array.from({ length: CLIENTS }, () => createRun(s)));
    const reports = await Promise.all(
      ownRuns.map((own, client) =>
        runChild([helper('log-batch-client.mjs'), JSON.stringify({ url: s.url, client, batches: BATCHES, sharedRun, ownRun: own.info.run_id, perBatch: PER_BATCH })]),
      ),
    );
    for (const r of reports) expect({ errors: r.errors, errorCount: r.errorCount, ok: r.ok }).toEqual({ errors: [], errorCount: 0, ok: BATCHES * 2 });

    const shared = await getRun(s, sharedRun);
    expect(shared.data.params).toHaveLength(CLIENTS * BATCHES);
    for (let c = 0; c < CLIENTS; c++) expect(tagOf(shared, `last_${c}`)).toBe(String(BATCHES - 1));
    const lastShared = (CLIENTS - 1) * 1_000_000 + BATCHES * PER_BATCH - 1;
    expect(shared.data.metrics.find((m: any) => m.key === 'shared')).toMatchObject({ step: lastShared, value: lastShared });
    expect(await fullHistory(s, sharedRun, 'shared')).toHaveLength(CLIENTS * BATCHES * PER_BATCH);
    expect(await seriesCount(s, sharedRun, 'shared')).toBe(CLIENTS * BATCHES * PER_BATCH);
    for (let c = 0; c < CLIENTS; c++) {
      expect(await fullHistory(s, sharedRun, `c${c}`)).toHaveLength(BATCHES * PER_BATCH);
      expect(await seriesCount(s, sharedRun, `c${c}`)).toBe(BATCHES * PER_BATCH);
    }
    for (const own of ownRuns) {
      expect(await fullHistory(s, own.info.run_id, 'own')).toHaveLength(BATCHES * PER_BATCH * 2);
      expect(await seriesCount(s, own.info.run_id, 'own')).toBe(BATCHES * PER_BATCH * 2);
    }
  });
});

describe('a second OS process writing to the same SQLite file', () => {
  const server = useServer('sqlite');

  it('waits on busy_timeout instead of failing, on both sides, and loses nothing', async () => {
    const s = server();
    const file = s.server.db.description.replace(/^sqlite:/, '');
    const serverRun = (await createRun(s)).info.run_id;
    const externalRun = (await createRun(s)).info.run_id;
    const batches = 40;

    const external = runChild(['--import', 'tsx', helper('sqlite-store-writer.ts'), file, externalRun, String(batches)]);
    const serverSide = (async () => {
      const errors: string[] = [];
      for (let b = 0; b < batches * 2; b++) {
        const res = await s.mlflow('POST', '/runs/log-batch', {
          run_id: serverRun,
          metrics: Array.from({ length: 200 }, (_, i) => ({ key: 'served', value: i, timestamp: 1000 + b, step: b * 200 + i })),
          params: [{ key: `s${b}`, value: String(b) }],
        });
        if (res.status !== 200) errors.push(`${res.status} ${JSON.stringify(res.body)}`);
        // Reads while the other process writes must not fail either.
        const read = await s.mlflow('GET', '/runs/get', { run_id: externalRun });
        if (read.status !== 200) errors.push(`read ${read.status} ${JSON.stringify(read.body)}`);
      }
      return errors;
    })();
    const [report, serverErrors] = await Promise.all([external, serverSide]);
    expect(report).toEqual({ ok: batches, errors: [], errorCount: 0 });
    expect(serverErrors).toEqual([]);

    expect(await fullHistory(s, externalRun, 'external')).toHaveLength(batches * 200);
    expect(await seriesCount(s, externalRun, 'external')).toBe(batches * 200);
    const ext = await getRun(s, externalRun);
    expect(ext.data.params).toHaveLength(batches);
    expect(tagOf(ext, 'external_last')).toBe(String(batches - 1));
    expect(await fullHistory(s, serverRun, 'served')).toHaveLength(batches * 2 * 200);
    expect((await getRun(s, serverRun)).data.params).toHaveLength(batches * 2);
    // The server still writes after the other process closed its connections.
    await logBatch(s, serverRun, { metrics: [{ key: 'after', value: 1, timestamp: 1, step: 0 }] });
  });
});
