import { AppError, InvalidParameter, NotFound } from '../../core/errors.js';
import type { RequestContext } from '../../core/route.js';
import { newId } from '../../core/ids.js';
import type { Database } from '../../store/index.js';
import { REGISTRY_EVENTS, type RegistryEvent } from '../events.js';
import { sendSigned } from './webhook-dispatcher.js';
import { eventPayload } from './webhook-outbox.js';
import { checkWebhookHost, PrivateTargetError } from './webhook-target.js';

/**
 * @module Webhook subscriptions in MLflow 3.3+'s shape (`/webhooks`, reference §3.3): name, url,
 * events, optional HMAC secret (never returned), ACTIVE/DISABLED status; plus the delivery log.
 */
export const WEBHOOK_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface WebhookJson {
  webhook_id: string;
  name: string;
  description?: string;
  url: string;
  events: { entity: string; action: string }[];
  status: WebhookStatus;
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** Who created it (absent for webhooks made before owners were kept). */
  owner?: string;
}

type Caller = Pick<RequestContext, 'user' | 'isAdmin'>;

interface WebhookRow {
  id: string;
  name: string;
  description: string | null;
  url: string;
  events: string;
  secret: string | null;
  status: WebhookStatus;
  creation_timestamp: number;
  last_updated_timestamp: number;
  owner: string | null;
}

export interface WebhookInput {
  name?: string;
  url?: string;
  /** `model_version.created` strings or `{entity, action}` objects, case-insensitive. */
  events?: unknown[];
  description?: string;
  secret?: string;
  status?: WebhookStatus;
}

function parseEvents(events: unknown[]): RegistryEvent[] {
  if (!events.length) throw new InvalidParameter(`Parameter 'events' must list at least one event, e.g. 'model_version.created'.`);
  return [...new Set(events.map((e, i) => {
    const o = e as { entity?: unknown; action?: unknown };
    const text = typeof e === 'string' ? e : o && typeof o === 'object' && typeof o.entity === 'string' && typeof o.action === 'string' ? `${o.entity}.${o.action}` : undefined;
    const hit = text ? REGISTRY_EVENTS.find((x) => x === text.toLowerCase()) : undefined;
    if (!hit) throw new InvalidParameter(`Invalid value ${JSON.stringify(e)?.slice(0, 80)} for parameter 'events[${i}]': expected one of ${REGISTRY_EVENTS.join(', ')}.`);
    return hit;
  }))];
}

function validateUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidParameter(`Invalid value '${url.slice(0, 100)}' for parameter 'url': expected an http:// or https:// URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidParameter(`Invalid value '${url.slice(0, 100)}' for parameter 'url': only http:// and https:// URLs can receive webhooks.`);
  if (url.length > 2_048) throw new InvalidParameter(`Parameter 'url' had length ${url.length}, which exceeded length limit of 2048.`);
}

function validateName(name: string): void {
  if (!name.trim()) throw new InvalidParameter(`Missing value for required parameter 'name'.`);
  if (name.length > 256) throw new InvalidParameter(`Parameter 'name' had length ${name.length}, which exceeded length limit of 256.`);
}

function webhookJson(r: WebhookRow): WebhookJson {
  return {
    webhook_id: r.id,
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    url: r.url,
    // Proto JSON enum names, as MLflow answers (its client parses them as enums).
    events: (JSON.parse(r.events) as string[]).map((e) => {
      const [entity, action] = e.split('.') as [string, string];
      return { entity: entity.toUpperCase(), action: action.toUpperCase() };
    }),
    status: r.status,
    creation_timestamp: Number(r.creation_timestamp),
    last_updated_timestamp: Number(r.last_updated_timestamp),
    ...(r.owner !== null ? { owner: r.owner } : {}),
  };
}

export class WebhooksService {
  constructor(
    private readonly db: Database,
    private readonly timeoutMs: number,
    /** `--allow-private-webhooks`: loopback/private/link-local targets are allowed. */
    private readonly allowPrivate = false,
  ) {}

  /** Refuses a URL whose host is (or resolves to) a private address; delivery checks again. */
  private async checkTarget(url: string): Promise<void> {
    try {
      await checkWebhookHost(new URL(url).hostname, this.allowPrivate);
    } catch (e) {
      if (e instanceof PrivateTargetError) throw new InvalidParameter(`Invalid value for parameter 'url': ${e.message}.`);
      throw e;
    }
  }

  /** Only a webhook's owner (or an admin) may change, test or delete it. */
  private checkOwner(r: WebhookRow, caller: Caller, what: string): void {
    if (r.owner === null || caller.isAdmin || caller.user === r.owner) return;
    throw new AppError('PERMISSION_DENIED', `Permission denied: webhook ${r.id} belongs to '${r.owner}'; only its owner or an admin may ${what} it.`);
  }

  async create(input: WebhookInput, caller: Caller = {}): Promise<WebhookJson> {
    validateName(input.name ?? '');
    if (!input.url) throw new InvalidParameter(`Missing value for required parameter 'url'.`);
    validateUrl(input.url);
    await this.checkTarget(input.url);
    if (!input.events) throw new InvalidParameter(`Missing value for required parameter 'events'.`);
    const events = parseEvents(input.events);
    const id = newId('wh-');
    const now = Date.now();
    await this.db.run(
      'INSERT INTO webhooks (id, name, description, url, events, secret, status, creation_timestamp, last_updated_timestamp, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, input.name!, input.description ?? null, input.url, JSON.stringify(events), input.secret || null, input.status ?? 'ACTIVE', now, now, caller.user ?? null],
    );
    return this.get(id);
  }

  private async row(id: string): Promise<WebhookRow> {
    const r = await this.db.one<WebhookRow>('SELECT * FROM webhooks WHERE id = ?', [id]);
    if (!r) throw new NotFound(`Webhook with ID ${id} not found.`);
    return r;
  }

  async get(id: string): Promise<WebhookJson> {
    return webhookJson(await this.row(id));
  }

  /** Newest first; the page token is the last row's (creation time, id). */
  async list(opts: { maxResults?: number; pageToken?: string }) {
    const max = opts.maxResults ?? 100;
    if (max < 1 || max > 1000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 1000.`);
    let after: [number, string] | undefined;
    if (opts.pageToken) {
      const m = /^(\d+):(wh-[0-9a-f]+)$/.exec(Buffer.from(opts.pageToken, 'base64url').toString('utf8'));
      if (!m) throw new InvalidParameter(`Invalid page_token '${opts.pageToken.slice(0, 40)}': it is not a token this server issued.`);
      after = [Number(m[1]), m[2]!];
    }
    const rows = await this.db.all<WebhookRow>(
      `SELECT * FROM webhooks ${after ? 'WHERE creation_timestamp < ? OR (creation_timestamp = ? AND id < ?)' : ''} ORDER BY creation_timestamp DESC, id DESC LIMIT ?`,
      [...(after ? [after[0], after[0], after[1]] : []), max + 1],
    );
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      webhooks: page.map(webhookJson),
      ...(rows.length > max && last ? { next_page_token: Buffer.from(`${Number(last.creation_timestamp)}:${last.id}`).toString('base64url') } : {}),
    };
  }

  async update(id: string, input: WebhookInput, caller: Caller = {}): Promise<WebhookJson> {
    const r = await this.row(id);
    this.checkOwner(r, caller, 'change');
    if (input.name !== undefined) validateName(input.name);
    if (input.url !== undefined) {
      validateUrl(input.url);
      await this.checkTarget(input.url);
      // The secret was given for the old receiver: a new one must not be signed with it unasked.
      if (input.url !== r.url && r.secret !== null && input.secret === undefined) {
        throw new InvalidParameter(`Changing a webhook's 'url' needs its 'secret' set again in the same request (send the new receiver's secret, or "" to stop signing).`);
      }
    }
    const events = input.events !== undefined ? JSON.stringify(parseEvents(input.events)) : r.events;
    await this.db.run(
      'UPDATE webhooks SET name = ?, description = ?, url = ?, events = ?, secret = ?, status = ?, last_updated_timestamp = ? WHERE id = ?',
      [input.name ?? r.name, input.description ?? r.description, input.url ?? r.url, events,
        input.secret !== undefined ? input.secret || null : r.secret, input.status ?? r.status, Date.now(), id],
    );
    return this.get(id);
  }

  async delete(id: string, caller: Caller = {}): Promise<void> {
    this.checkOwner(await this.row(id), caller, 'delete');
    await this.db.run('DELETE FROM webhooks WHERE id = ?', [id]);
  }

  /** Sends one sample event now, once, and reports what the receiver answered (MLflow's test). */
  async test(id: string, event?: unknown, caller: Caller = {}) {
    const r = await this.row(id);
    this.checkOwner(r, caller, 'test');
    const subscribed = JSON.parse(r.events) as RegistryEvent[];
    const ev = event !== undefined ? parseEvents([event])[0]! : subscribed[0]!;
    const payload = JSON.stringify(eventPayload(ev, { name: 'example-model', version: '1', test: true }, Date.now()));
    const res = await sendSigned(r.url, r.secret, newId('d-test-'), payload, this.timeoutMs, this.allowPrivate);
    // The receiver's status only, never its body: the test must not read other services for the caller.
    return {
      result: {
        success: res.ok,
        ...(res.status !== undefined ? { response_status: res.status } : {}),
        ...(res.error ? { error_message: res.error } : {}),
      },
    };
  }

  /** The delivery log of one webhook, newest first, each delivery with its attempts. */
  async deliveries(id: string, opts: { maxResults?: number; status?: string }) {
    await this.row(id);
    const max = opts.maxResults ?? 100;
    if (max < 1 || max > 1000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 1000.`);
    const rows = await this.db.all<{ id: string; event: string; payload: string; status: string; attempts: number; next_attempt_at: number; last_status: number | null; last_error: string | null; created_at: number; finished_at: number | null }>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = ?${opts.status ? ' AND status = ?' : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [id, ...(opts.status ? [opts.status] : []), max],
    );
    const ids = rows.map((r) => r.id);
    const attempts = ids.length
      ? await this.db.all<{ delivery_id: string; attempt: number; at: number; status_code: number | null; error: string | null; duration_ms: number }>(
        `SELECT * FROM webhook_attempts WHERE delivery_id IN (${ids.map(() => '?').join(', ')}) ORDER BY attempt`, ids,
      )
      : [];
    return {
      deliveries: rows.map((r) => ({
        delivery_id: r.id,
        event: r.event,
        status: r.status,
        attempts: Number(r.attempts),
        created_at: Number(r.created_at),
        ...(r.status === 'PENDING' ? { next_attempt_at: Number(r.next_attempt_at) } : {}),
        ...(r.finished_at !== null ? { finished_at: Number(r.finished_at) } : {}),
        ...(r.last_status !== null ? { last_status: Number(r.last_status) } : {}),
        ...(r.last_error !== null ? { last_error: r.last_error } : {}),
        payload: JSON.parse(r.payload) as unknown,
        attempt_log: attempts.filter((a) => a.delivery_id === r.id).map((a) => ({
          attempt: Number(a.attempt), at: Number(a.at), duration_ms: Number(a.duration_ms),
          ...(a.status_code !== null ? { status_code: Number(a.status_code) } : {}),
          ...(a.error !== null ? { error: a.error } : {}),
        })),
      })),
    };
  }
}
