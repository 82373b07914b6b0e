/**
 * @module In-process news about agent tasks (claimed, logged, finished, cancel asked), shared by
 * every AgentsService on one database in this process (keyed like the work queue's wake-ups).
 * Watchers use it to react at once; they poll the store too, so news from another process
 * (a second replica, the server when the CLI drives the run) arrives within a poll.
 */
import { EventEmitter } from 'node:events';

const byDatabase = new Map<string, EventEmitter>();

export function taskEventsFor(description: string): EventEmitter {
  let e = byDatabase.get(description);
  if (!e) {
    e = new EventEmitter();
    e.setMaxListeners(0);
    byDatabase.set(description, e);
  }
  return e;
}

export const itemEvent = (itemId: number) => `item:${itemId}`;
