import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { migrate } from '../migrate.js';
import { LeaseLost } from './errors.js';
import { createWorkQueue } from './index.js';
import type { WorkQueue } from './work-queue.js';

export interface OpenedStore {
  db: Database;
  /** A second, independent handle on the same database (another connection or pool). */
  reopen: () => Database;
  drop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let queueNo = 0;
/** Each test uses its own queue name, so tests share one database without seeing each other. */
const fresh = (what: string) => `${what}-${++queueNo}`;

/**
 * The one conformance suite for the work queue: every implementation runs it against a real
 * database (SQLite file, PostgreSQL). It states the queue's rules.
 */
export function runWorkQueueConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    let store: OpenedStore;
    let q: WorkQueue;
    beforeAll(async () => {
      store = await open();
      await migrate(store.db);
      q = createWorkQueue(store.db);
    });
    afterAll(async () => {
      q.close();
      await store.db.close();
      await store.drop();
    });

    it('hands out items by priority, then oldest first, with their payload', async () => {
      const queue = fresh('order');
      const a = (await q.enqueue(queue, { n: 'a', nested: [1, 2] })).item;
      const b = (await q.enqueue(queue, { n: 'b' }, { priority: 5 })).item;
      const c = (await q.enqueue(queue, { n: 'c' })).item;
      expect(a.state).toBe('queued');
      const got = await q.claim<{ n: string }>(queue, { worker: 'w1', leaseMs: 10_000, limit: 2 });
      expect(got.map((i) => i.payload.n)).toEqual(['b', 'a']);
      expect(got[0]).toMatchObject({ id: b.id, state: 'leased', worker: 'w1', attempts: 1 });
      expect(got[1]!.payload).toEqual({ n: 'a', nested: [1, 2] });
      expect(got[0]!.leaseToken).toBeTruthy();
      const rest = await q.claim<{ n: string }>(queue, { worker: 'w2', leaseMs: 10_000, limit: 5 });
      expect(rest.map((i) => i.id)).toEqual([c.id]);
      expect(await q.claim(queue, { worker: 'w2', leaseMs: 10_000 })).toEqual([]);
      expect(await q.counts(queue)).toEqual({ queued: 0, leased: 3, done: 0, failed: 0, cancelled: 0 });
    });

    it('completes once: a second completion or a wrong token is refused with LeaseLost', async () => {
      const queue = fresh('complete');
      await q.enqueue(queue, 1);
      const [item] = await q.claim(queue, { worker: 'w', leaseMs: 10_000 });
      await expect(q.complete(item!.id, 'not-the-token')).rejects.toBeInstanceOf(LeaseLost);
      const done = await q.complete(item!.id, item!.leaseToken!, { ok: true });
      expect(done).toMatchObject({ state: 'done', result: { ok: true } });
      expect(done.finishedAt).toBeGreaterThan(0);
      await expect(q.complete(item!.id, item!.leaseToken!)).rejects.toThrow(/lease lost \(the item is done\)/);
      expect((await q.get(item!.id))!.state).toBe('done');
    });

    it('keeps an item off the queue until its delay has passed', async () => {
      const queue = fresh('delay');
      await q.enqueue(queue, 'later', { delayMs: 400 });
      expect(await q.claim(queue, { worker: 'w', leaseMs: 1000 })).toEqual([]);
      const t0 = Date.now();
      const got = await q.claim(queue, { worker: 'w', leaseMs: 1000, waitMs: 5000 });
      expect(got).toHaveLength(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      // reap() is global: a lease left to expire here would be counted by the expiry test below.
      await q.complete(got[0]!.id, got[0]!.leaseToken!);
    });

    it('dedupes live items by key, and accepts the key again once the item has ended', async () => {
      const queue = fresh('dedupe');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => q.enqueue(queue, { i }, { dedupeKey: 'step-1' })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.item.id)).size).toBe(1);
      const [item] = await q.claim(queue, { worker: 'w', leaseMs: 10_000 });
      const again = await q.enqueue(queue, { i: 99 }, { dedupeKey: 'step-1' });
      expect(again).toMatchObject({ created: false, item: { id: item!.id, state: 'leased' } });
      await q.complete(item!.id, item!.leaseToken!);
      const after = await q.enqueue(queue, { i: 100 }, { dedupeKey: 'step-1' });
      expect(after.created).toBe(true);
      expect(after.item.id).not.toBe(item!.id);
      expect(await q.enqueue(fresh('other'), {}, { dedupeKey: 'step-1' })).toMatchObject({ created: true });
    });

    it('claims each item exactly once under 8 concurrent claimers on separate connections', async () => {
      const queue = fresh('race');
      const N = 240;
      for (let i = 0; i < N; i += 40) await Promise.all(Array.from({ length: 40 }, (_, j) => q.enqueue(queue, { n: i + j })));
      const handles = Array.from({ length: 8 }, () => store.reopen());
      try {
        const claimed = await Promise.all(
          handles.map(async (db, w) => {
            const wq = createWorkQueue(db);
            const mine: number[] = [];
            for (;;) {
              const got = await wq.claim<{ n: number }>(queue, { worker: `w${w}`, leaseMs: 60_000, limit: 1 + (w % 3) });
              if (!got.length) break;
              for (const it of got) {
                mine.push(it.payload.n);
                expect(it.worker).toBe(`w${w}`);
              }
              await Promise.all(got.map((it) => wq.complete(it.id, it.leaseToken!)));
            }
            wq.close();
            return mine;
          }),
        );
        const all = claimed.flat();
        expect(all).toHaveLength(N);
        expect(new Set(all).size).toBe(N);
        // Everyone took part: the race was real, not one claimer draining the queue alone.
        expect(claimed.filter((m) => m.length > 0).length).toBeGreaterThan(1);
        expect(await q.counts(queue)).toMatchObject({ queued: 0, leased: 0, done: N });
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });

    it('re-queues an expired lease to another worker; the first worker has lost it', async () => {
      const queue = fresh('expiry');
      const { item } = await q.enqueue(queue, 'job');
      const [first] = await q.claim(queue, { worker: 'dead', leaseMs: 150 });
      expect(await q.reap()).toBe(0);
      await sleep(200);
      expect(await q.reap()).toBe(1);
      const requeued = await q.get(item.id);
      expect(requeued).toMatchObject({ state: 'queued', leaseToken: null, attempts: 1 });
      expect(requeued!.error).toMatch(/lease of dead expired/);
      const [second] = await q.claim(queue, { worker: 'alive', leaseMs: 10_000 });
      expect(second).toMatchObject({ id: item.id, worker: 'alive', attempts: 2 });
      await expect(q.heartbeat(first!.id, first!.leaseToken!, 1000)).rejects.toThrow(/leased to alive under another lease/);
      await expect(q.complete(first!.id, first!.leaseToken!)).rejects.toBeInstanceOf(LeaseLost);
      await q.complete(second!.id, second!.leaseToken!);
    });

    it('keeps a lease alive while its worker heartbeats, and only then', async () => {
      const queue = fresh('heartbeat');
      await q.enqueue(queue, 'job');
      // Beats come at under a third of the lease, so a loaded CI machine cannot make one late.
      const [item] = await q.claim(queue, { worker: 'w', leaseMs: 600 });
      for (let i = 0; i < 6; i++) {
        await sleep(150);
        const beat = await q.heartbeat(item!.id, item!.leaseToken!, 600);
        expect(beat.cancelRequested).toBe(false);
        expect(beat.leaseExpiresAt).toBeGreaterThan(Date.now());
        await q.reap();
      }
      expect((await q.get(item!.id))!.state).toBe('leased');
      await sleep(700);
      await q.reap();
      expect((await q.get(item!.id))!.state).toBe('queued');
    });

    it('fails an expired lease for good once its attempts are spent', async () => {
      const queue = fresh('expiry-spent');
      const { item } = await q.enqueue(queue, 'job', { maxAttempts: 1 });
      await q.claim(queue, { worker: 'w', leaseMs: 50 });
      await sleep(80);
      await q.reap();
      expect(await q.get(item.id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/expired/) });
    });

    it('retries a failure with exponential backoff, then fails it; a do-not-retry failure fails at once', async () => {
      const queue = fresh('retry');
      const { item } = await q.enqueue(queue, 'flaky', { maxAttempts: 3, backoffMs: 100, backoffMaxMs: 150 });
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [it] = await q.claim(queue, { worker: 'w', leaseMs: 5000, waitMs: 5000 });
        expect(it!.attempts).toBe(attempt);
        const failed = await q.fail(it!.id, it!.leaseToken!, `boom ${attempt}`);
        if (attempt < 3) {
          expect(failed.state).toBe('queued');
          delays.push(failed.readyAt - failed.updatedAt);
        } else {
          expect(failed).toMatchObject({ state: 'failed', error: 'boom 3' });
        }
      }
      expect(delays).toEqual([100, 150]);
      const fatal = (await q.enqueue(queue, 'bad', { maxAttempts: 5 })).item;
      const [it] = await q.claim(queue, { worker: 'w', leaseMs: 5000 });
      expect(it!.id).toBe(fatal.id);
      expect(await q.fail(it!.id, it!.leaseToken!, 'bad config', { retry: false })).toMatchObject({ state: 'failed', attempts: 1 });
      expect(item.id).not.toBe(fatal.id);
    });

    it('cancels a queued item at once and asks a leased item\'s worker to stop', async () => {
      const queue = fresh('cancel');
      const queued = (await q.enqueue(queue, 'a')).item;
      expect(await q.cancel(queued.id)).toMatchObject({ state: 'cancelled' });
      const running = (await q.enqueue(queue, 'b')).item;
      const [it] = await q.claim(queue, { worker: 'w', leaseMs: 5000 });
      expect(it!.id).toBe(running.id);
      expect(await q.cancel(running.id)).toMatchObject({ state: 'leased', cancelRequested: true });
      expect(await q.heartbeat(it!.id, it!.leaseToken!, 5000)).toMatchObject({ cancelRequested: true });
      expect(await q.fail(it!.id, it!.leaseToken!, 'stopped')).toMatchObject({ state: 'cancelled' });
      await expect(q.cancel(123456789)).rejects.toThrow(/does not exist/);
    });

    it('wakes a waiting claim when work is enqueued, well before its next recheck', async () => {
      const queue = fresh('longpoll');
      const t0 = Date.now();
      const waiting = q.claim<string>(queue, { worker: 'w', leaseMs: 5000, waitMs: 10_000 });
      await sleep(50);
      await q.enqueue(queue, 'now');
      const got = await waiting;
      expect(got.map((i) => i.payload)).toEqual(['now']);
      // The fallback recheck is once a second; an in-process enqueue must not wait for it.
      expect(Date.now() - t0).toBeLessThan(900);
    });

    it('answers a waiting claim with nothing at its deadline or when its signal aborts', async () => {
      const queue = fresh('empty');
      const t0 = Date.now();
      expect(await q.claim(queue, { worker: 'w', leaseMs: 1000, waitMs: 300 })).toEqual([]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      const ac = new AbortController();
      const waiting = q.claim(queue, { worker: 'w', leaseMs: 1000, waitMs: 30_000, signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      expect(await waiting).toEqual([]);
    });

    it('enqueues inside the caller\'s transaction: rolled back with it, visible with it', async () => {
      const queue = fresh('tx');
      await expect(
        store.db.transaction(async (tx) => {
          await q.enqueue(queue, 'ghost', { tx });
          throw new Error('caller failed');
        }),
      ).rejects.toThrow('caller failed');
      expect((await q.counts(queue)).queued).toBe(0);
      await store.db.transaction((tx) => q.enqueue(queue, 'real', { tx }));
      q.wake(queue);
      expect((await q.claim<string>(queue, { worker: 'w', leaseMs: 1000 })).map((i) => i.payload)).toEqual(['real']);
    });

    it('refuses bad options with a message naming the option', async () => {
      await expect(q.enqueue('', 1)).rejects.toThrow(/Queue name/);
      await expect(q.enqueue('x', 1, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
      await expect(q.claim('x', { worker: 'w', leaseMs: 0 })).rejects.toThrow(/leaseMs/);
      await expect(q.claim('x', { worker: '', leaseMs: 10 })).rejects.toThrow(/worker/);
    });
  });
}
