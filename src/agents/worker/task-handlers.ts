/**
 * @module The agent's handler table: a task's `kind` picks the function that runs it. Pipeline
 * steps register `pipeline-step`; distributed launch registers its own kinds the same way.
 */
import type { LogStream, TaskEnvelope } from '../protocol.js';

export interface HandlerContext {
  /** One line of the task's log (sent to the server in batches). */
  log(stream: LogStream, line: string): void;
  /** Aborted when the task must stop: cancel asked, lease lost, or the agent hands it back. */
  signal: AbortSignal;
  serverUrl: string;
  agent: { id: string; name: string; labels: Record<string, string> };
  item: { id: number; attempt: number };
}

/** Returns the task's result (any JSON); throw TaskFailed (or any error) to fail it. */
export type TaskHandler = (payload: TaskEnvelope, ctx: HandlerContext) => Promise<unknown>;

/** A failure the handler classifies: `retry: false` fails the item whatever attempts remain. */
export class TaskFailed extends Error {
  readonly retry: boolean;
  constructor(message: string, opts: { retry?: boolean } = {}) {
    super(message);
    this.name = 'TaskFailed';
    this.retry = opts.retry ?? true;
  }
}

const handlers = new Map<string, TaskHandler>();

export function registerTaskHandler(kind: string, handler: TaskHandler): void {
  handlers.set(kind, handler);
}

export function taskHandler(kind: string): TaskHandler | undefined {
  return handlers.get(kind);
}

export function taskKinds(): string[] {
  return [...handlers.keys()];
}
