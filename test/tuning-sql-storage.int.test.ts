/**
 * SqlStudyStorage on real SQLite and PostgreSQL: the StudyStorage conformance suite, then what
 * only a shared store can show (two storages on one database, as two servers would be).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrate, type Database } from '../src/store/index.js';
import { floatDistribution } from '../src/tuning/distributions.js';
import { createStudy } from '../src/tuning/create-study.js';
import { RandomSampler } from '../src/tuning/samplers/random-sampler.js';
import { SqlStudyStorage } from '../src/tuning/sql-study-storage.js';
import { runStudyStorageConformance } from '../src/tuning/storage.contract.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`SqlStudyStorage (${dialect})`, () => {
    let tdb: TestDatabase;
    let db: Database;
    let other: Database;
    beforeAll(async () => {
      tdb = await createTestDatabase(dialect);
      db = createDatabase(tdb.url, tdb.home);
      await migrate(db);
      other = createDatabase(tdb.url, tdb.home);
    });
    afterAll(async () => {
      await db.close();
      await other.close();
      await tdb.drop();
    });
    const fresh = async () => {
      await db.run('DELETE FROM tuning_studies');
      return new SqlStudyStorage(db);
    };

    runStudyStorageConformance(`SqlStudyStorage on ${dialect}`, fresh);

    it('a finished trial as finishTrial answers it is what another process reads back', async () => {
      const a = await fresh();
      const b = new SqlStudyStorage(other);
      const x = { type: 'float', low: 0, high: 1, log: false, step: null } as const;
      const { id } = await a.createStudy({ name: 'readback', directions: ['minimize'] });
      const t = await a.ask(id);
      await a.updateTrial(id, t.number, { params: { b: { internal: 1, distribution: x } }, intermediateValues: [[2, 5]], userAttrs: { over: 'old' } });
      const done = await a.finishTrial(id, t.number, {
        state: 'COMPLETE',
        values: [0.1 + 0.2],
        patch: { params: { a: { internal: 1e-300, distribution: x } }, intermediateValues: [[1, Number.NaN], [3, -Infinity]], userAttrs: { over: 'new' }, systemAttrs: { n: Infinity } },
      });
      expect(await b.getTrial(id, t.number)).toEqual(done);
      // A NUL inside an attr (JSON text keeps it; PostgreSQL's jsonb would not) still finishes.
      const t2 = await a.ask(id);
      const withNul = await a.finishTrial(id, t2.number, { state: 'COMPLETE', values: [1], patch: { userAttrs: { note: 'a\u0000b' } } });
      expect((await b.getTrial(id, t2.number)).userAttrs).toEqual({ note: 'a\u0000b' });
      expect(withNul.userAttrs).toEqual({ note: 'a\u0000b' });
    });

    it('two storages on one database never share a trial and see each other finish', async () => {
      const a = await fresh();
      const b = new SqlStudyStorage(other);
      const { id } = await a.createStudy({ name: 'two', directions: ['minimize'] });
      for (let i = 0; i < 10; i++) await b.addTrial(id, { state: 'WAITING' });
      const got = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).ask(id)));
      const numbers = got.map((t) => t.number).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect((await a.getAllTrials(id, { states: ['RUNNING'] })).length).toBe(30);
      await b.finishTrial(id, 3, { state: 'COMPLETE', values: [0.5] });
      const seen = await a.getAllTrials(id, { states: ['COMPLETE'] });
      expect(seen.map((t) => [t.number, t.values])).toEqual([[3, [0.5]]]);
      // The finished trial is now cached: the same object comes back.
      expect((await a.getAllTrials(id, { states: ['COMPLETE'] }))[0]).toBe(seen[0]);
      // Trials b creates and finishes after a last looked are all seen, in number order.
      const late = await b.ask(id);
      await b.updateTrial(id, late.number, { intermediateValues: [[0, 7]] });
      await b.addTrial(id, { state: 'COMPLETE', values: [1] });
      const view = await a.getAllTrials(id);
      expect(view.map((t) => t.number)).toEqual(Array.from({ length: 32 }, (_, i) => i));
      expect([view[30]!.state, [...view[30]!.intermediateValues], view[31]!.state]).toEqual(['RUNNING', [[0, 7]], 'COMPLETE']);
      await b.finishTrial(id, late.number, { state: 'PRUNED', values: [7] });
      expect((await a.getAllTrials(id))[30]!.state).toBe('PRUNED');
    });

    it('fails a silent trial and enqueues its params in the same transaction, up to maxRetry times', async () => {
      let now = 1_000_000;
      const s = new SqlStudyStorage(db, { now: () => now });
      await db.run('DELETE FROM tuning_studies');
      const { id } = await s.createStudy({ name: 'stale', directions: ['minimize'] });
      const x = floatDistribution('x', 0, 1);
      const t = await s.ask(id);
      await s.updateTrial(id, t.number, { params: { x: { internal: 0.3, distribution: x } }, userAttrs: { who: 'w1' } });
      await s.recordHeartbeat(id, t.number);
      const quiet = await s.ask(id); // never beats: heartbeats are opt-in
      now += 5_000;
      expect(await s.failStaleTrials(id, 1_000, { retry: { maxRetry: 1 } })).toEqual([t.number]);
      expect(await s.failStaleTrials(id, 1_000, { retry: { maxRetry: 1 } })).toEqual([]);
      const failed = await s.getTrial(id, t.number);
      expect(failed.state).toBe('FAIL');
      expect(failed.systemAttrs.fail_reason).toMatch(/No heartbeat for 5000 ms \(grace 1000 ms\)/);
      expect((await s.getTrial(id, quiet.number)).state).toBe('RUNNING');
      const retry = await s.ask(id);
      expect(retry.systemAttrs).toEqual({ fixed_params: { x: 0.3 }, failed_trial: t.number, retry_history: [t.number] });
      expect(retry.userAttrs).toEqual({ who: 'w1' });
      await s.recordHeartbeat(id, retry.number);
      now += 5_000;
      expect(await s.failStaleTrials(id, 1_000, { retry: { maxRetry: 1 } })).toEqual([retry.number]);
      expect((await s.getAllTrials(id, { states: ['WAITING'] })).length).toBe(0); // retry budget spent
    });

    it('runs the engine end to end: a seeded study on SQL repeats the in-memory one', async () => {
      const objective = (t: { suggestFloat(n: string, l: number, h: number): number; suggestInt(n: string, l: number, h: number): number }) =>
        (t.suggestFloat('x', -5, 5) - 1) ** 2 + t.suggestInt('k', 0, 3);
      const onSql = await createStudy({ name: 'engine', storage: await fresh(), seed: 7, sampler: new RandomSampler() });
      await onSql.optimize(objective, { nTrials: 15 });
      const inMemory = await createStudy({ seed: 7, sampler: new RandomSampler() });
      await inMemory.optimize(objective, { nTrials: 15 });
      const view = async (st: typeof onSql) => (await st.getTrials()).map((t) => [t.number, t.state, t.params, t.values]);
      expect(await view(onSql)).toEqual(await view(inMemory));
    });
  });
}
