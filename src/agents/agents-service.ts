/**
 * @module The server side of agents: registration, claims (long polls), batched heartbeats,
 * results and log appends, all on the store's work queue. Store-agnostic; routes.ts is its HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { AlreadyExists, InvalidParameter, NotFound } from '../core/errors.js';
import { LeaseLost, createWorkQueue, type Database, type WorkItem, type WorkQueue } from '../store/index.js';
import { appendLog, dropLog, readLog, type LogChunk } from './agent-logs.js';
import { AGENTS_QUEUE, LABELLED_QUEUED, labelsOfQueue, labelsSatisfy, DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_MS, MAX_CLAIM_WAIT_MS, MAX_LEASE_MS, type AgentJson, type ClaimedTask, type LeaseStatus, type LogLine, type TaskEnvelope } from './protocol.js';
import { itemEvent, taskEventsFor } from './task-events.js';

interface AgentRow {
  id: string;
  name: string;
  slots: number;
  queue: string;
  hostname: string;
  labels: string;
  registered_at: number;
  last_seen_at: number;
}

export interface RegisterInput {
  name: string;
  slots: number;
  labels: Record<string, string>;
  hostname: string;
}

// An agent is alive while seen within this many heartbeats; a name is free again after that.
const ALIVE_BEATS = 5;

export class AgentsService {
  readonly queue: WorkQueue;
  readonly events: EventEmitter;
  /** Waiting claims per agent, so unregister answers them at once. */
  private readonly waiting = new Map<string, Set<AbortController>>();

  constructor(readonly db: Database, private readonly opts: { reapEveryMs?: number } = {}) {
    this.queue = createWorkQueue(db);
    this.events = taskEventsFor(db.description);
  }

  /**
   * Starts the reaper that re-queues dead agents' tasks, once agents are in use here (an agent
   * called, or a task was sent): a CLI that only lists runs on the local store never runs one.
   */
  inUse(): void {
    this.queue.startReaper(this.opts.reapEveryMs ?? 1000);
  }

  async register(input: RegisterInput): Promise<{ agent: AgentJson; lease_ms: number; heartbeat_ms: number }> {
    this.inUse();
    if (!/^[\w.@:-]{1,100}$/.test(input.name)) throw new InvalidParameter(`Agent name '${input.name}' must be 1-100 letters, digits or . _ - @ :`);
    if (!Number.isInteger(input.slots) || input.slots < 1 || input.slots > 1024) throw new InvalidParameter(`--slots must be an integer in [1, 1024], got ${input.slots}.`);
    const now = Date.now();
    const id = `ag_${randomBytes(8).toString('hex')}`;
    await this.db.transaction(async (tx) => {
      const old = await tx.one<AgentRow>('SELECT * FROM agents WHERE name = ?', [input.name]);
      if (old && Number(old.last_seen_at) > now - ALIVE_BEATS * DEFAULT_HEARTBEAT_MS) {
        throw new AlreadyExists(`An agent named '${input.name}' is already connected (seen ${now - Number(old.last_seen_at)} ms ago): give this one another --name.`);
      }
      if (old) await tx.run('DELETE FROM agents WHERE name = ?', [input.name]);
      await tx.run('INSERT INTO agents (id, name, slots, queue, hostname, labels, registered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        id, input.name, input.slots, AGENTS_QUEUE, input.hostname, JSON.stringify(input.labels), now, now,
      ]);
    });
    return { agent: (await this.agent(id))!, lease_ms: DEFAULT_LEASE_MS, heartbeat_ms: DEFAULT_HEARTBEAT_MS };
  }

  async list(): Promise<AgentJson[]> {
    const rows = await this.db.all<AgentRow>('SELECT * FROM agents ORDER BY name');
    return rows.map(agentJson);
  }

  async agent(id: string): Promise<AgentJson | undefined> {
    const row = await this.db.one<AgentRow>('SELECT * FROM agents WHERE id = ?', [id]);
    return row ? agentJson(row) : undefined;
  }

  /** Leases up to `limit` tasks, waiting up to `waitMs` for one to be queued. */
  async claim(agentId: string, o: { limit: number; waitMs: number; leaseMs: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
    const agent = await this.seen(agentId);
    const abort = new AbortController();
    o.signal?.addEventListener('abort', () => abort.abort(o.signal?.reason), { once: true });
    let set = this.waiting.get(agentId);
    if (!set) this.waiting.set(agentId, (set = new Set()));
    set.add(abort);
    try {
      const items = await this.claimFor(agent, {
        worker: `${agent.name} (${agentId})`,
        leaseMs: clampLease(o.leaseMs),
        limit: Math.max(1, Math.min(o.limit, agent.slots)),
        waitMs: Math.max(0, Math.min(o.waitMs, MAX_CLAIM_WAIT_MS)),
        signal: abort.signal,
      });
      if (o.signal?.aborted && items.length) {
        // The agent hung up (killed mid-poll) as these were leased: back to the queue at once.
        for (const i of items) await this.queue.fail(i.id, i.leaseToken!, `agent ${agent.name} went away while claiming`, { delayMs: 0 }).catch(() => {});
        return [];
      }
      for (const i of items) this.events.emit(itemEvent(i.id));
      return items.map((i) => ({ item_id: i.id, token: i.leaseToken!, kind: String(i.payload?.kind ?? ''), payload: i.payload, attempt: i.attempts, lease_expires_at: i.leaseExpiresAt! }));
    } finally {
      set.delete(abort);
    }
  }

  /**
   * Claims from `agents` and from every labelled queue (`agents?gpu=a100`) whose labels this
   * agent has. An agent without labels long-polls `agents` alone; one with labels looks at the
   * labelled queues first, then waits on `agents` in slices of a second so a labelled task
   * queued meanwhile is seen within one.
   */
  private async claimFor(agent: AgentJson, o: { worker: string; leaseMs: number; limit: number; waitMs: number; signal: AbortSignal }): Promise<WorkItem<TaskEnvelope>[]> {
    if (!Object.keys(agent.labels).length) return this.queue.claim<TaskEnvelope>(AGENTS_QUEUE, o);
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const out: WorkItem<TaskEnvelope>[] = [];
      const rows = await this.db.all<{ queue: string }>("SELECT DISTINCT queue FROM work_items WHERE state = 'queued' AND queue LIKE ?", [`${AGENTS_QUEUE}?%`]);
      for (const { queue } of rows) {
        const need = labelsOfQueue(queue);
        if (!need || !labelsSatisfy(agent.labels, need) || out.length >= o.limit) continue;
        out.push(...(await this.queue.claim<TaskEnvelope>(queue, { ...o, limit: o.limit - out.length, waitMs: 0 })));
      }
      const left = deadline - Date.now();
      if (out.length < o.limit) {
        // The wait on `agents` ends early when a labelled task is queued in this process (another
        // server replica's enqueue is seen on the next one-second slice).
        const slice = new AbortController();
        const wake = () => slice.abort();
        const onAbort = () => slice.abort();
        this.events.once(LABELLED_QUEUED, wake);
        o.signal.addEventListener('abort', onAbort, { once: true });
        try {
          out.push(...(await this.queue.claim<TaskEnvelope>(AGENTS_QUEUE, { ...o, signal: slice.signal, limit: o.limit - out.length, waitMs: out.length ? 0 : Math.max(0, Math.min(left, 1000)) })));
        } finally {
          this.events.off(LABELLED_QUEUED, wake);
          o.signal.removeEventListener('abort', onAbort);
        }
      }
      if (out.length || deadline - Date.now() <= 0 || o.signal.aborted) return out;
    }
  }

  /** Live agents, and whether any of them has every label in `need` (for a task's waiting reason). */
  async whoCanTake(need: Record<string, string>): Promise<{ able: AgentJson[]; live: AgentJson[] }> {
    const live = (await this.list()).filter((a) => a.alive);
    return { able: live.filter((a) => labelsSatisfy(a.labels, need)), live };
  }

  /** Extends every lease the agent names; says which to cancel and which it lost. */
  async heartbeat(agentId: string, leases: { item_id: number; token: string }[], leaseMs: number): Promise<{ item_id: number; status: LeaseStatus; lease_expires_at?: number }[]> {
    await this.seen(agentId);
    const out: { item_id: number; status: LeaseStatus; lease_expires_at?: number }[] = [];
    for (const l of leases) {
      try {
        const a = await this.queue.heartbeat(l.item_id, l.token, clampLease(leaseMs));
        out.push({ item_id: l.item_id, status: a.cancelRequested ? 'cancel' : 'ok', lease_expires_at: a.leaseExpiresAt });
      } catch (e) {
        if (e instanceof LeaseLost || e instanceof NotFound) out.push({ item_id: l.item_id, status: 'lost' });
        else throw e;
      }
    }
    return out;
  }

  async unregister(agentId: string): Promise<void> {
    for (const a of this.waiting.get(agentId) ?? []) a.abort('agent stopping');
    await this.db.run('UPDATE agents SET last_seen_at = 0 WHERE id = ?', [agentId]);
  }

  async appendLog(itemId: number, token: string, lines: LogLine[]): Promise<{ kept_bytes: number }> {
    const item = await this.leased(itemId, token);
    const { keptBytes } = await appendLog(this.db, itemId, item.attempts, lines);
    this.events.emit(itemEvent(itemId));
    return { kept_bytes: keptBytes };
  }

  async complete(itemId: number, token: string, result: unknown): Promise<WorkItem> {
    const item = await this.queue.complete(itemId, token, result ?? null);
    this.events.emit(itemEvent(itemId));
    return item;
  }

  async fail(itemId: number, token: string, error: string, opts: { retry?: boolean; delayMs?: number }): Promise<WorkItem> {
    const item = await this.queue.fail(itemId, token, error, { ...(opts.retry !== undefined ? { retry: opts.retry } : {}), ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}) });
    this.events.emit(itemEvent(itemId));
    return item;
  }

  readLog(itemId: number, after?: { attempt: number; seq: number }): Promise<LogChunk[]> {
    return readLog(this.db, itemId, after);
  }

  dropLog(itemId: number): Promise<void> {
    return dropLog(this.db, itemId);
  }

  close(): void {
    for (const set of this.waiting.values()) for (const a of set) a.abort('server closing');
    this.queue.close();
  }

  private async seen(agentId: string): Promise<AgentJson> {
    this.inUse();
    const now = Date.now();
    const res = await this.db.run('UPDATE agents SET last_seen_at = ? WHERE id = ?', [now, agentId]);
    const agent = res.changes ? await this.agent(agentId) : undefined;
    if (!agent) throw new NotFound(`No agent '${agentId}': register first (POST /api/v1/agents/register); an agent registered again under its name replaces the old id.`);
    return agent;
  }

  private async leased(itemId: number, token: string): Promise<WorkItem> {
    const item = await this.queue.get(itemId);
    if (!item) throw new NotFound(`Work item ${itemId} does not exist.`);
    if (item.state !== 'leased' || item.leaseToken !== token) throw new LeaseLost(itemId, item.state === 'leased' ? 'it is leased under another token' : `the item is ${item.state}`);
    return item;
  }
}

function clampLease(ms: number): number {
  return Math.max(1000, Math.min(Number.isFinite(ms) ? Math.round(ms) : DEFAULT_LEASE_MS, MAX_LEASE_MS));
}

function agentJson(r: AgentRow): AgentJson {
  const last = Number(r.last_seen_at);
  return {
    agent_id: r.id,
    name: r.name,
    slots: Number(r.slots),
    labels: JSON.parse(r.labels) as Record<string, string>,
    hostname: r.hostname,
    registered_at: Number(r.registered_at),
    last_seen_at: last,
    alive: last > Date.now() - ALIVE_BEATS * DEFAULT_HEARTBEAT_MS,
  };
}
