/**
 * @module The StudyStorage conformance suite: every storage (in memory, SQL on SQLite and on
 * PostgreSQL) runs these cases. A storage's test file calls
 * `runStudyStorageConformance('MyStorage', () => new MyStorage())`; the factory must return a
 * storage with no studies in it (the cases reuse study names).
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExists, InvalidState, NotFound } from '../core/errors.js';
import { floatDistribution } from './distributions.js';
import type { StudyStorage } from './storage.js';

export function runStudyStorageConformance(name: string, make: () => StudyStorage | Promise<StudyStorage>): void {
  describe(`StudyStorage contract: ${name}`, () => {
    const x = floatDistribution('x', 0, 1);

    it('creates, finds and deletes studies; names are unique', async () => {
      const s = await make();
      const st = await s.createStudy({ name: 'a', directions: ['minimize'] });
      expect((await s.getStudyByName('a'))?.id).toBe(st.id);
      expect(await s.getStudyByName('nope')).toBeNull();
      await expect(s.createStudy({ name: 'a', directions: ['maximize'] })).rejects.toBeInstanceOf(AlreadyExists);
      await s.setStudyUserAttr(st.id, 'k', { a: 1 });
      expect((await s.getStudy(st.id)).userAttrs).toEqual({ k: { a: 1 } });
      await s.deleteStudy(st.id);
      await expect(s.getStudy(st.id)).rejects.toBeInstanceOf(NotFound);
    });

    it('ask claims WAITING trials oldest first, then creates new ones with dense numbers', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'q', directions: ['minimize'] });
      expect(await s.addTrial(id, { state: 'WAITING', systemAttrs: { fixed_params: { x: 0.1 } } })).toBe(0);
      expect(await s.addTrial(id, { state: 'WAITING' })).toBe(1);
      const [a, b, c] = await Promise.all([s.ask(id), s.ask(id), s.ask(id)]);
      expect([a!.number, b!.number, c!.number].sort()).toEqual([0, 1, 2]);
      expect(a!.state).toBe('RUNNING');
      expect((await s.getTrial(id, 0)).systemAttrs).toEqual({ fixed_params: { x: 0.1 } });
    });

    it('never hands the same WAITING trial to two concurrent askers', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'race', directions: ['minimize'] });
      for (let i = 0; i < 20; i++) await s.addTrial(id, { state: 'WAITING' });
      const got = await Promise.all(Array.from({ length: 40 }, () => s.ask(id)));
      const numbers = got.map((t) => t.number);
      expect(new Set(numbers).size).toBe(40);
      expect(Math.max(...numbers)).toBe(39);
    });

    it('applies patches to RUNNING trials only and finishes with compare-and-set', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'p', directions: ['minimize'] });
      const t = await s.ask(id);
      await s.updateTrial(id, t.number, { params: { x: { internal: 0.5, distribution: x } }, intermediateValues: [[0, 3], [1, 2]], userAttrs: { u: 1 } });
      await s.updateTrial(id, t.number, { intermediateValues: [[1, 99]] }); // first report wins
      const done = await s.finishTrial(id, t.number, { state: 'COMPLETE', values: [0.25], patch: { systemAttrs: { s: 'x' } } });
      expect(done.params).toEqual({ x: 0.5 });
      expect([...done.intermediateValues]).toEqual([[0, 3], [1, 2]]);
      expect(done.values).toEqual([0.25]);
      expect(done.systemAttrs).toEqual({ s: 'x' });
      await expect(s.finishTrial(id, t.number, { state: 'FAIL', values: null })).rejects.toBeInstanceOf(InvalidState);
      await expect(s.updateTrial(id, t.number, { userAttrs: { late: 1 } })).rejects.toBeInstanceOf(InvalidState);
      expect((await s.getTrial(id, t.number)).state).toBe('COMPLETE');
    });

    it('filters by state, and snapshots of running trials do not change under the reader', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'f', directions: ['minimize'] });
      await s.addTrial(id, { state: 'COMPLETE', values: [1], params: { x: { internal: 0.2, distribution: x } } });
      const r = await s.ask(id);
      const before = (await s.getAllTrials(id))[1]!;
      await s.updateTrial(id, r.number, { userAttrs: { later: true } });
      expect(before.userAttrs).toEqual({});
      expect((await s.getAllTrials(id, { states: ['COMPLETE'] })).map((t) => t.number)).toEqual([0]);
    });

    it('fails RUNNING trials whose heartbeat is stale', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'h', directions: ['minimize'] });
      const a = await s.ask(id);
      const b = await s.ask(id);
      await s.recordHeartbeat(id, a.number);
      await new Promise((r) => setTimeout(r, 30));
      await s.recordHeartbeat(id, b.number);
      expect(await s.failStaleTrials(id, 20)).toEqual([a.number]);
      expect((await s.getTrial(id, a.number)).state).toBe('FAIL');
      expect((await s.getTrial(id, b.number)).state).toBe('RUNNING');
    });

    it('keeps numbers dense across addTrial and ask, and round-trips every field', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'rt', directions: ['minimize', 'maximize'], userAttrs: { u: [1, 'a'] }, systemAttrs: { s: null } });
      const rec = await s.getStudy(id);
      expect(rec).toMatchObject({ name: 'rt', directions: ['minimize', 'maximize'], userAttrs: { u: [1, 'a'] }, systemAttrs: { s: null } });
      const c = { type: 'categorical', choices: ['a', 1, true, null] } as const;
      const n0 = await s.addTrial(id, {
        state: 'COMPLETE',
        values: [Infinity, -Infinity],
        params: { x: { internal: 0.25, distribution: x }, c: { internal: 3, distribution: c } },
        intermediateValues: [[0, Number.NaN], [5, 1.5], [7, Infinity], [9, -Infinity]],
        userAttrs: { note: 'warm' },
      });
      const r = await s.ask(id);
      const n2 = await s.addTrial(id, { state: 'FAIL' });
      expect([n0, r.number, n2]).toEqual([0, 1, 2]);
      const t = await s.getTrial(id, 0);
      expect(t.values).toEqual([Infinity, -Infinity]);
      expect(t.params).toEqual({ x: 0.25, c: null });
      expect(t.distributions.c).toEqual(c);
      expect([...t.intermediateValues]).toEqual([[0, Number.NaN], [5, 1.5], [7, Infinity], [9, -Infinity]]);
      expect(t.userAttrs).toEqual({ note: 'warm' });
      expect(t.datetimeComplete).not.toBeNull();
      expect((await s.getTrial(id, 2)).state).toBe('FAIL');
      expect(r.datetimeStart).not.toBeNull();
    });

    it('writes nothing when a finish, update or heartbeat hits a finished trial', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'cas', directions: ['minimize'] });
      const t = await s.ask(id);
      await s.finishTrial(id, t.number, { state: 'PRUNED', values: [3] });
      const patch = { params: { x: { internal: 0.5, distribution: x } }, intermediateValues: [[0, 1]] as [number, number][], userAttrs: { late: 1 } };
      await expect(s.finishTrial(id, t.number, { state: 'COMPLETE', values: [1], patch })).rejects.toBeInstanceOf(InvalidState);
      await expect(s.updateTrial(id, t.number, patch)).rejects.toBeInstanceOf(InvalidState);
      await expect(s.recordHeartbeat(id, t.number)).rejects.toBeInstanceOf(InvalidState);
      const stored = await s.getTrial(id, t.number);
      expect([stored.state, stored.values, stored.params, stored.intermediateValues.size, stored.userAttrs]).toEqual(['PRUNED', [3], {}, 0, {}]);
    });

    it("finishes with a patch merged by the tables' rules (params overwrite, a stored step stays, attrs merge)", async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'merge', directions: ['minimize'] });
      const t = await s.ask(id);
      await s.updateTrial(id, t.number, { params: { b: { internal: 1, distribution: x }, a: { internal: 0.1, distribution: x } }, intermediateValues: [[2, 5]], userAttrs: { keep: 1, over: 'old' }, systemAttrs: { sys: [1] } });
      const done = await s.finishTrial(id, t.number, {
        state: 'COMPLETE',
        values: [Infinity],
        patch: { params: { a: { internal: 0.9, distribution: x }, c: { internal: 0.3, distribution: x } }, intermediateValues: [[2, 99], [1, Number.NaN], [3, -Infinity], [1, 7]], userAttrs: { over: 'new', add: { deep: [1, 2] } }, systemAttrs: { n: Infinity } },
      });
      expect(done.params).toEqual({ a: 0.9, b: 1, c: 0.3 });
      expect([...done.intermediateValues].sort((p, q) => p[0] - q[0])).toEqual([[1, Number.NaN], [2, 5], [3, -Infinity]]);
      expect(done.userAttrs).toEqual({ keep: 1, over: 'new', add: { deep: [1, 2] } });
      expect(done.systemAttrs).toEqual({ sys: [1], n: Infinity });
      expect(done.values).toEqual([Infinity]);
    });

    it('stores big patches whole: 1,200 params and 2,500 reports in one write', async () => {
      const s = await make();
      const { id } = await s.createStudy({ name: 'big', directions: ['minimize'] });
      const t = await s.ask(id);
      const params = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`p${i}`, { internal: i / 1200, distribution: x }]));
      const reports = Array.from({ length: 2500 }, (_, i) => [i, i * 0.5] as [number, number]);
      await s.updateTrial(id, t.number, { params, intermediateValues: [...reports, [0, 99]] });
      const done = await s.finishTrial(id, t.number, { state: 'COMPLETE', values: [1] });
      expect(Object.keys(done.params)).toHaveLength(1200);
      expect(done.params.p600).toBe(0.5);
      expect(done.intermediateValues.size).toBe(2500);
      expect(done.intermediateValues.get(0)).toBe(0);
      // The same in the finishing write itself, and more than one statement can bind on PostgreSQL.
      const t2 = await s.ask(id);
      const many = Object.fromEntries(Array.from({ length: 14_000 }, (_, i) => [`q${i}`, { internal: i / 14_000, distribution: x }]));
      const done2 = await s.finishTrial(id, t2.number, { state: 'COMPLETE', values: [1], patch: { params: many, intermediateValues: reports } });
      expect(Object.keys(done2.params)).toHaveLength(14_000);
      expect(done2.intermediateValues.size).toBe(2500);
      expect((await s.getTrial(id, t2.number)).params.q7000).toBe(0.5);
    });

    it('answers NotFound for unknown studies and trials, and deletes a study with its trials', async () => {
      const s = await make();
      await expect(s.getAllTrials('study_nope')).rejects.toBeInstanceOf(NotFound);
      await expect(s.ask('study_nope')).rejects.toBeInstanceOf(NotFound);
      await expect(s.deleteStudy('study_nope')).rejects.toBeInstanceOf(NotFound);
      const { id } = await s.createStudy({ name: 'del', directions: ['minimize'] });
      await expect(s.getTrial(id, 0)).rejects.toBeInstanceOf(NotFound);
      await s.addTrial(id, { state: 'COMPLETE', values: [1] });
      await s.deleteStudy(id);
      await expect(s.getAllTrials(id)).rejects.toBeInstanceOf(NotFound);
      const again = await s.createStudy({ name: 'del', directions: ['minimize'] });
      expect(await s.getAllTrials(again.id)).toEqual([]);
      expect((await s.listStudies()).map((st) => st.name)).toEqual(['del']);
    });
  });
}
