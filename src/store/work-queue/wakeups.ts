/**
 * In-process wake-ups for waiting claims, shared by every WorkQueue on one database in this
 * process (keyed by the database's description, so two handles on one SQLite file share them).
 * A waiter reads the queue's generation before it looks for work and waits only while the
 * generation is unchanged, so an enqueue that lands between "found nothing" and "wait" is not
 * missed.
 */
export class Wakeups {
  private readonly generations = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  generation(queue: string): number {
    return this.generations.get(queue) ?? 0;
  }

  wake(queue: string): void {
    this.generations.set(queue, this.generation(queue) + 1);
    const set = this.waiters.get(queue);
    if (!set) return;
    this.waiters.delete(queue);
    for (const fn of set) fn();
  }

  /** Resolves on a wake after `seen`, after `ms`, or when `signal` aborts. */
  wait(queue: string, seen: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.generation(queue) !== seen || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(queue);
      if (!set) this.waiters.set(queue, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(queue)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}

const byDatabase = new Map<string, Wakeups>();

export function wakeupsFor(description: string): Wakeups {
  let w = byDatabase.get(description);
  if (!w) byDatabase.set(description, (w = new Wakeups()));
  return w;
}
