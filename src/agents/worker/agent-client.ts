/** @module The agent's calls to the server (src/agents/routes.ts), over the SDK's HTTP transport. */
import { AppError } from '../../core/errors.js';
import { HttpTransport } from '../../client/transport.js';
import { AGENTS_API, type AgentJson, type ClaimedTask, type LeaseStatus, type LogLine } from '../protocol.js';

const REPORT_PATIENCE_MS = 120_000;

export class AgentClient {
  private readonly http: HttpTransport;
  // Long polls get their own sockets so heartbeats and logs never queue behind them.
  private readonly poll: HttpTransport;

  constructor(readonly serverUrl: string) {
    this.http = new HttpTransport(serverUrl);
    this.poll = new HttpTransport(serverUrl);
  }

  register(body: { name: string; slots: number; labels: Record<string, string>; hostname: string; version: string }) {
    return this.http.call<{ agent: AgentJson; lease_ms: number; heartbeat_ms: number }>('POST', `${AGENTS_API}/register`, body);
  }

  async claim(agentId: string, body: { limit: number; wait_ms: number; lease_ms: number }): Promise<ClaimedTask[]> {
    return (await this.poll.call<{ tasks: ClaimedTask[] }>('POST', `${AGENTS_API}/${encodeURIComponent(agentId)}/claim`, body)).tasks;
  }

  async heartbeat(agentId: string, leases: { item_id: number; token: string }[], leaseMs: number) {
    return (await this.http.call<{ leases: { item_id: number; status: LeaseStatus }[] }>('POST', `${AGENTS_API}/${encodeURIComponent(agentId)}/heartbeat`, { leases, lease_ms: leaseMs })).leases;
  }

  unregister(agentId: string) {
    return this.http.call('POST', `${AGENTS_API}/${encodeURIComponent(agentId)}/unregister`, {});
  }

  log(itemId: number, token: string, lines: LogLine[]) {
    return this.persist(() => this.http.call('POST', `${AGENTS_API}/tasks/${itemId}/log`, { token, lines }));
  }

  complete(itemId: number, token: string, result: unknown) {
    return this.persist(() => this.http.call('POST', `${AGENTS_API}/tasks/${itemId}/complete`, { token, result }));
  }

  fail(itemId: number, token: string, error: string, opts: { retry: boolean; delay_ms?: number }) {
    return this.persist(() => this.http.call('POST', `${AGENTS_API}/tasks/${itemId}/fail`, { token, error, ...opts }));
  }

  /**
   * A result or log line must not be lost to a server restart: while the server cannot be
   * reached, try again (up to REPORT_PATIENCE_MS). Anything the server answered is final.
   */
  private async persist<T>(call: () => Promise<T>): Promise<T> {
    const giveUp = Date.now() + REPORT_PATIENCE_MS;
    for (;;) {
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'TEMPORARILY_UNAVAILABLE') || Date.now() > giveUp) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async close(): Promise<void> {
    await this.http.close();
    await this.poll.close();
  }
}
