/**
 * The StudyStorage conformance suite: every storage (in-memory here, SQL later) must pass it.
 * A new storage's test file calls `storageConformance(() => new MyStorage())` inside a describe.
 * (Importing this file also re-runs the in-memory suite below; it takes a few ms.)
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExists, InvalidState, NotFound } from '../core/errors.js';
import { floatDistribution } from './distributions.js';
import { InMemoryStudyStorage } from './in-memory-storage.js';
import type { StudyStorage } from './storage.js';

export function storageConformance(make: () => StudyStorage | Promise<StudyStorage>): void {
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
}

describe('InMemoryStudyStorage', () => storageConformance(() => new InMemoryStudyStorage()));
