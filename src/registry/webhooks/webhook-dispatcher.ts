import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Database } from '../../store/index.js';
import { checkWebhookHost, safeLookup } from './webhook-target.js';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './webhook-signature.js';

export interface DispatcherOptions {
  /** First retry after this long; each later one waits twice as long (capped at an hour). */
  retryBaseMs: number;
  /** Attempts in all, the first included, before a delivery is marked FAILED. */
  maxAttempts: number;
  /** A receiver that has not answered by then counts as failed (and is retried). */
  timeoutMs: number;
  /** Longest sleep between looks at the outbox (other replicas may have queued work). */
  pollMs: number;
  /** Deliver to loopback/private/link-local addresses too (`--allow-private-webhooks`). */
  allowPrivate?: boolean;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = { retryBaseMs: 2_000, maxAttempts: 6, timeoutMs: 10_000, pollMs: 5_000 };

/** TRAINYARD_WEBHOOK_RETRY_BASE_MS, _MAX_ATTEMPTS, _TIMEOUT_MS and _POLL_MS override the defaults; TRAINYARD_WEBHOOK_ALLOW_PRIVATE=true allows private targets. */
export function dispatcherOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<DispatcherOptions> {
  const out: Partial<DispatcherOptions> = {};
  const read = (key: 'retryBaseMs' | 'maxAttempts' | 'timeoutMs' | 'pollMs', name: string) => {
    const v = env[name];
    if (v && /^\d+$/.test(v) && Number(v) > 0) out[key] = Number(v);
  };
  read('retryBaseMs', 'TRAINYARD_WEBHOOK_RETRY_BASE_MS');
  read('maxAttempts', 'TRAINYARD_WEBHOOK_MAX_ATTEMPTS');
  read('timeoutMs', 'TRAINYARD_WEBHOOK_TIMEOUT_MS');
  read('pollMs', 'TRAINYARD_WEBHOOK_POLL_MS');
  if (/^(1|true|yes)$/i.test(env.TRAINYARD_WEBHOOK_ALLOW_PRIVATE ?? '')) out.allowPrivate = true;
  return out;
}

const BATCH = 20;
const MAX_BACKOFF_MS = 3_600_000;

interface Due {
  id: string;
  webhook_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string | null;
  hook_status: string;
}

export interface SendResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
  durationMs: number;
}

/** How much of a receiver's answer is kept for the delivery log (the test route returns none of it). */
const BODY_KEPT = 2_000;

/**
 * POSTs one signed payload; never throws (a failure is a result). Follows no redirect (a 3xx is
 * the answer) and connects only to an address the target check accepted.
 */
export async function sendSigned(url: string, secret: string | null, deliveryId: string, payload: string, timeoutMs: number, allowPrivate = false): Promise<SendResult> {
  const started = Date.now();
  const timestamp = Math.floor(started / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'user-agent': 'trainyard-webhooks',
    [DELIVERY_ID_HEADER]: deliveryId,
    [TIMESTAMP_HEADER]: String(timestamp),
  };
  if (secret) headers[SIGNATURE_HEADER] = signPayload(secret, deliveryId, timestamp, payload);
  try {
    const u = new URL(url);
    await checkWebhookHost(u.hostname, allowPrivate);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = send(u, { method: 'POST', headers, lookup: safeLookup(allowPrivate) as never, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < BODY_KEPT) body += chunk;
          else res.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, BODY_KEPT) });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      req.on('error', reject);
      req.end(payload);
    });
    return { ok: status >= 200 && status < 300, status, body, durationMs: Date.now() - started };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    const message = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (err.cause?.message ?? err.message);
    return { ok: false, error: message.slice(0, 500), durationMs: Date.now() - started };
  }
}

/** Receivers' answers worth retrying: no answer, timeouts, throttling and server errors. */
function retryable(r: SendResult): boolean {
  return r.status === undefined || r.status === 408 || r.status === 429 || r.status >= 500;
}

/**
 * Sends the outbox's due deliveries with retries and exponential backoff, keeping one row per
 * attempt. A delivery is leased before it is sent, so replicas sharing a database do not send
 * it twice; a lease left by a dead replica expires and the delivery is picked up again.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly opts: DispatcherOptions = DEFAULT_DISPATCHER_OPTIONS,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** New deliveries were queued: look now. */
  kick(): void {
    if (this.closed) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(0, ms));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (!this.closed && (await this.sendBatch()) === BATCH);
        } while (this.again && !this.closed);
        const next = await this.db.one<{ t: number | null }>("SELECT min(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'PENDING'");
        const wait = next?.t === null || next?.t === undefined ? this.opts.pollMs : Math.min(this.opts.pollMs, Number(next.t) - Date.now());
        this.schedule(wait);
      } catch (e) {
        // The database is closing or unreachable: look again later rather than crash the server.
        if (!this.closed) console.error(`[trainyard] webhook dispatcher: ${(e as Error).message.split('\n')[0]?.slice(0, 300)}; retrying in ${this.opts.pollMs} ms`);
        this.schedule(this.opts.pollMs);
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Claims and sends up to BATCH due deliveries; returns how many it found. */
  private async sendBatch(): Promise<number> {
    const now = Date.now();
    const due = await this.db.all<Due>(
      `SELECT d.id, d.webhook_id, d.payload, d.attempts, w.url, w.secret, w.status AS hook_status
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
       ORDER BY d.next_attempt_at LIMIT ?`,
      [now, now, BATCH],
    );
    await Promise.all(due.map((d) => this.deliver(d)));
    return due.length;
  }

  private async deliver(d: Due): Promise<void> {
    const leaseUntil = Date.now() + this.opts.timeoutMs * 2;
    const claimed = await this.db.run(
      "UPDATE webhook_deliveries SET lease_until = ? WHERE id = ? AND status = 'PENDING' AND (lease_until IS NULL OR lease_until < ?)",
      [leaseUntil, d.id, Date.now()],
    );
    if (!claimed.changes) return;
    const attempt = Number(d.attempts) + 1;
    const result: SendResult = d.hook_status === 'ACTIVE'
      ? await sendSigned(d.url, d.secret, d.id, d.payload, this.opts.timeoutMs, this.opts.allowPrivate)
      : { ok: false, status: undefined, error: 'the webhook was disabled before delivery', durationMs: 0 };
    const now = Date.now();
    const done = result.ok || d.hook_status !== 'ACTIVE' || !retryable(result) || attempt >= this.opts.maxAttempts;
    const status = result.ok ? 'DELIVERED' : done ? 'FAILED' : 'PENDING';
    const next = done ? now : now + Math.min(MAX_BACKOFF_MS, this.opts.retryBaseMs * 2 ** (attempt - 1));
    const error = result.error ?? (result.ok ? null : `HTTP ${result.status}: ${(result.body ?? '').slice(0, 200)}`);
    // One line per failed attempt; the URL by origin only (a path or query may carry a token) and never the secret.
    if (!result.ok) console.error(`[trainyard] webhook ${d.webhook_id} delivery ${d.id} attempt ${attempt} to ${origin(d.url)} failed: ${error?.split('\n')[0]?.slice(0, 300)}${done ? ' (giving up)' : ' (will retry)'}`);
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
        [d.id, attempt, now, result.status ?? null, error, result.durationMs],
      );
      await tx.run(
        'UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = NULL, last_status = ?, last_error = ?, finished_at = ? WHERE id = ?',
        [status, attempt, next, result.status ?? null, error, done ? now : null, d.id],
      );
    });
  }
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}
