/**
 * Bad input to the tuning API, table-driven (helpers/tuning-bad-input-cases.ts), on SQLite and
 * PostgreSQL: each row gets its status, error_code and a message naming the parameter, and the
 * store is compared before and after the row: a rejected request writes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import type { TestServer } from './helpers/server.js';
import { ok } from './helpers/tracking-factories.js';
import { junkBodies, tuningBadInputCases, tuningRoutesForJunk, type TuningBadInputContext } from './helpers/tuning-bad-input-cases.js';
import { float, makeStudy, studyPath, trialPath, uniqueName } from './helpers/tuning-factories.js';
import { useServer } from './helpers/use-server.js';

/** Everything a rejected request could have written: both studies' settings and trials, the list. */
async function snapshot(s: TestServer, c: TuningBadInputContext) {
  const one = async (name: string) => ({
    study: ok(await s.call('GET', studyPath(name))).study,
    trials: ok(await s.call('GET', studyPath(name, '/trials'))).trials,
  });
  return { single: await one(c.single), multi: await one(c.multi), names: ok(await s.call('GET', '/api/v1/studies')).studies.map((x: any) => x.name) };
}

describe.each(DIALECTS)('tuning bad input on %s', (dialect) => {
  const server = useServer(dialect);
  let c: TuningBadInputContext;

  beforeAll(async () => {
    const s = server();
    // No heartbeats: an ask's stale-trial sweep must not change the RUNNING trial between rows.
    const single = await makeStudy(s, { name: uniqueName('single'), heartbeat_interval_ms: null, sampler: 'random' });
    const multi = await makeStudy(s, { name: uniqueName('multi'), directions: ['minimize', 'maximize'], heartbeat_interval_ms: null });
    ok(await s.call('POST', studyPath(single.name, '/ask'), { search_space: { x: float(0, 1) } }));
    const done = ok(await s.call('POST', studyPath(single.name, '/ask'), { search_space: { x: float(0, 1) } })).trial;
    ok(await s.call('POST', trialPath(single.name, done.number, '/tell'), { values: [0.5] }));
    ok(await s.call('POST', studyPath(multi.name, '/ask'), {}));
    c = { single: single.name, multi: multi.name };
  });

  it.each(tuningBadInputCases.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const s = server();
    const before = await snapshot(s, c);
    const res = await s.call(row.method, row.path(c), row.body?.(c) ?? (row.method === 'POST' ? {} : undefined));
    expect({ status: res.status, code: res.body?.error_code }, JSON.stringify(res.body)).toEqual({ status: row.status, code: row.code });
    expect(res.body.message).toMatch(row.message);
    expect(await snapshot(s, c)).toEqual(before);
  });

  it('answers junk on every tuning route with 4xx, never 500', async () => {
    const s = server();
    for (const [method, path] of tuningRoutesForJunk(c)) {
      for (const body of junkBodies) {
        const res = await s.call(method, path, method === 'GET' ? (body as Record<string, unknown>) : body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`).toBeLessThan(500);
      }
    }
  });
});
