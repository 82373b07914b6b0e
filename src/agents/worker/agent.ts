/**
 * @module One `trainyard agent` process: registers, long-polls for as many tasks as it has free
 * slots, runs each with its kind's handler, heartbeats every lease in one request, streams logs
 * and reports results. Leases it cannot keep (killed, hung, cut off) expire on the server, whose
 * reaper gives the task to another agent; a result it sends after losing a lease is refused.
 *
 * Stopping: `drain()` stops claiming and waits for running tasks to finish; `handBack()` stops
 * them and returns them to the queue at once (another agent starts them without waiting for a
 * lease to expire).
 */
import { hostname } from 'node:os';
import { AppError } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_MS, type ClaimedTask } from '../protocol.js';
import { AgentClient } from './agent-client.js';
import { LogSender } from './log-sender.js';
import { TaskFailed, taskHandler } from './task-handlers.js';
import './builtin-handlers.js';

export interface AgentOptions {
  server: string;
  slots: number;
  name?: string;
  labels?: Record<string, string>;
  leaseMs?: number;
  heartbeatMs?: number;
  /** How long one claim waits on the server for work (a long poll). */
  pollMs?: number;
  /** How long start() waits for a server that does not answer yet; default 30 s. */
  waitForServerMs?: number;
  /** Progress lines for the operator (stderr by default). */
  say?: (line: string) => void;
}

interface Running {
  task: ClaimedTask;
  abort: AbortController;
  /** Why it must stop, if it must. */
  stop?: 'cancel' | 'lost' | 'hand-back';
}

const RETRY_MS = 1000;

export class Agent {
  private readonly client: AgentClient;
  private readonly running = new Map<number, Running>();
  private agentId = '';
  private name: string;
  private leaseMs: number;
  private heartbeatMs: number;
  private stopping = false;
  private beat: NodeJS.Timeout | undefined;
  private slotFreed: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private readonly say: (line: string) => void;

  constructor(private readonly opts: AgentOptions) {
    this.client = new AgentClient(opts.server);
    this.name = opts.name ?? `${hostname()}-${process.pid}`;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.say = opts.say ?? ((l) => process.stderr.write(`${l}\n`));
  }

  get id(): string {
    return this.agentId;
  }

  /** Settles when the claim loop ends: resolves after drain(), rejects when the server refuses the agent's credentials. */
  get stopped(): Promise<void> {
    return this.loop;
  }

  /**
   * Registers (throws the server's error: a wrong token, a name in use) and starts working. A
   * server that is not up yet is waited for up to `waitForServerMs` (agents often start first).
   */
  async start(): Promise<void> {
    const giveUp = Date.now() + (this.opts.waitForServerMs ?? 30_000);
    for (let said = false; ; said = true) {
      try {
        await this.register();
        break;
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'TEMPORARILY_UNAVAILABLE') || Date.now() >= giveUp) throw e;
        if (!said) this.say(`agent ${this.name}: waiting for the server at ${this.opts.server}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.say(`agent ${this.name} (${this.agentId}) connected to ${this.opts.server} with ${this.opts.slots} slot${this.opts.slots > 1 ? 's' : ''}; waiting for tasks`);
    this.beat = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.loop = this.claimLoop();
  }

  /** Stops claiming; resolves when every running task has finished and reported. */
  async drain(): Promise<void> {
    this.stopping = true;
    this.slotFreed?.();
    await this.client.unregister(this.agentId).catch(() => {});
    await this.loop;
    while (this.running.size) await new Promise((r) => setTimeout(r, 50));
    clearInterval(this.beat);
    await this.client.close();
  }

  /** Stops running tasks and gives them back to the queue, then drains. */
  async handBack(): Promise<void> {
    for (const r of this.running.values()) {
      r.stop ??= 'hand-back';
      r.abort.abort('the agent is stopping');
    }
    await this.drain();
  }

  private async register(): Promise<void> {
    const res = await this.client.register({ name: this.name, slots: this.opts.slots, labels: this.opts.labels ?? {}, hostname: hostname(), version: VERSION });
    this.agentId = res.agent.agent_id;
    this.leaseMs = this.opts.leaseMs ?? res.lease_ms;
    this.heartbeatMs = this.opts.heartbeatMs ?? res.heartbeat_ms;
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping) {
      const free = this.opts.slots - this.running.size;
      if (free <= 0) {
        await new Promise<void>((r) => (this.slotFreed = r));
        continue;
      }
      try {
        const tasks = await this.client.claim(this.agentId, { limit: free, wait_ms: this.opts.pollMs ?? 20_000, lease_ms: this.leaseMs });
        for (const t of tasks) {
          if (this.stopping) void this.giveBack(t);
          else void this.run(t);
        }
      } catch (e) {
        if (this.stopping) break;
        await this.recover(e);
      }
    }
  }

  /** After a failed call: re-register if the server forgot us, else wait and retry. */
  private async recover(e: unknown): Promise<void> {
    if (e instanceof AppError && e.code === 'RESOURCE_DOES_NOT_EXIST') {
      await this.register().catch(() => {});
      return;
    }
    if (e instanceof AppError && (e.code === 'UNAUTHENTICATED' || e.code === 'PERMISSION_DENIED')) throw e;
    this.say(`agent ${this.name}: ${(e as Error).message}; retrying`);
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }

  private async run(task: ClaimedTask): Promise<void> {
    const r: Running = { task, abort: new AbortController() };
    this.running.set(task.item_id, r);
    const logs = new LogSender(
      (lines) => this.client.log(task.item_id, task.token, lines),
      (e) => {
        if (e instanceof AppError && e.code === 'RESOURCE_CONFLICT') this.lose(r);
      },
    );
    const handler = taskHandler(task.kind);
    let result: unknown;
    let failure: { error: string; retry: boolean } | undefined;
    try {
      if (!handler) throw new TaskFailed(`agent ${this.name} has no handler for task kind '${task.kind}'`);
      result = await handler(task.payload, {
        log: (stream, line) => logs.line(stream, line),
        signal: r.abort.signal,
        serverUrl: this.opts.server,
        agent: { id: this.agentId, name: this.name, labels: this.opts.labels ?? {} },
        item: { id: task.item_id, attempt: task.attempt },
      });
    } catch (e) {
      failure = { error: (e as Error).message ?? String(e), retry: e instanceof TaskFailed ? e.retry : true };
    }
    await logs.close();
    try {
      if (r.stop === 'lost') this.say(`agent ${this.name}: lost the lease on task ${task.item_id}; its result is dropped (another agent has it)`);
      else if (r.stop === 'cancel') await this.client.fail(task.item_id, task.token, 'cancelled on request', { retry: false });
      else if (r.stop === 'hand-back') await this.client.fail(task.item_id, task.token, `handed back by agent ${this.name} (stopping)`, { retry: true, delay_ms: 0 });
      else if (failure) await this.client.fail(task.item_id, task.token, failure.error, { retry: failure.retry });
      else await this.client.complete(task.item_id, task.token, result ?? null);
    } catch (e) {
      this.say(`agent ${this.name}: could not report task ${task.item_id}: ${(e as Error).message}`);
    } finally {
      this.running.delete(task.item_id);
      this.slotFreed?.();
      this.slotFreed = undefined;
    }
  }

  private async giveBack(t: ClaimedTask): Promise<void> {
    await this.client.fail(t.item_id, t.token, `handed back by agent ${this.name} (stopping)`, { retry: true, delay_ms: 0 }).catch(() => {});
  }

  private lose(r: Running): void {
    r.stop ??= 'lost';
    r.abort.abort('lease lost');
  }

  private async heartbeat(): Promise<void> {
    const list = [...this.running.values()];
    try {
      const answers = await this.client.heartbeat(this.agentId, list.map((r) => ({ item_id: r.task.item_id, token: r.task.token })), this.leaseMs);
      for (const a of answers) {
        const r = this.running.get(a.item_id);
        if (!r) continue;
        if (a.status === 'lost') this.lose(r);
        else if (a.status === 'cancel' && !r.stop) {
          r.stop = 'cancel';
          r.abort.abort('cancelled');
        }
      }
    } catch {
      // The server is away: leases run on; the claim loop reports the outage.
    }
  }
}
