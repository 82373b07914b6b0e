import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrate, type Database } from '../../store/index.js';
import { SqlStudyStorage } from '../sql-study-storage.js';
import { StudyRegistry } from './study-registry.js';

// Issue 12 house-keeping: the registry kept every study ever read, with all its trials. It is an
// LRU now: bounded, least recently used out first, never one whose call is in flight.
describe('StudyRegistry is bounded (LRU)', () => {
  let db: Database;
  let storage: SqlStudyStorage;
  beforeAll(async () => {
    db = createDatabase(':memory:', '/tmp');
    await migrate(db);
    storage = new SqlStudyStorage(db);
    for (let i = 0; i < 6; i++) await storage.createStudy({ name: `s${i}`, directions: ['minimize'] });
  });
  afterAll(async () => db.close());

  it('holds at most maxStudies, evicting the least recently used', async () => {
    const reg = new StudyRegistry(storage, 3);
    const s0 = await reg.get('s0');
    await reg.get('s1');
    await reg.get('s2');
    expect(await reg.get('s0')).toBe(s0); // a hit, and now the most recent
    await reg.get('s3'); // evicts s1, the least recently used
    expect(reg.size).toBe(3);
    expect(await reg.get('s0')).toBe(s0);
    const s1again = await reg.get('s1');
    expect(s1again.record.name).toBe('s1'); // rebuilt from the store
    for (let i = 0; i < 6; i++) await reg.get(`s${i}`);
    expect(reg.size).toBe(3);
  });

  it('does not evict a study while a call on it is in flight', async () => {
    const reg = new StudyRegistry(storage, 2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held: unknown;
    const inFlight = reg.with('s0', async (s) => {
      held = s;
      await gate;
      return s;
    });
    await new Promise((r) => setTimeout(r, 5));
    for (const n of ['s1', 's2', 's3', 's4']) await reg.get(n);
    // s0 stayed: the same object (and its ask lock) answers the next call.
    expect(await reg.get('s0')).toBe(held);
    release();
    await inFlight;
  });
});
