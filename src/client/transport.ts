import http from 'node:http';
import https from 'node:https';
import { AppError, type ErrorCode, ERROR_STATUS } from '../core/errors.js';
import type { Fields } from '../core/request-fields.js';
import type { HttpMethod, JsonRoute } from '../core/route.js';
import { JsonText, MLFLOW_PREFIXES } from '../core/route.js';

/**
 * @module How the SDK and CLI reach Trainyard: over HTTP to a server, or embedded (the same route
 * handlers called in-process on a local store, no server). Both speak the same paths and fields,
 * so everything above the transport is written once.
 */
export interface Transport {
  /** `path` is a full API path such as `/api/2.0/mlflow/runs/get` or `/api/v1/runs/search`. */
  call<T = any>(method: HttpMethod, path: string, fields?: Fields): Promise<T>;
  /**
   * POSTs a non-JSON body (the binary metric batch) with `query` in the URL; the answer is JSON as
   * for `call`. Only over HTTP: embedded mode has no bytes to save.
   */
  postBytes?<T = any>(path: string, query: Record<string, string>, contentType: string, body: Uint8Array): Promise<T>;
  close(): Promise<void>;
  readonly description: string;
}

function toAppError(status: number, body: unknown): AppError {
  const b = body as { error_code?: string; message?: string } | undefined;
  const code = (b?.error_code && b.error_code in ERROR_STATUS ? b.error_code : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST') as ErrorCode;
  return new AppError(code, b?.message ?? `HTTP ${status}`);
}

/**
 * HTTP with node:http and one keep-alive agent per transport. Not fetch: undici's fetch cost
 * ~1 ms of client CPU per request here (bench/results/tuning-distributed.md, the SDK rows),
 * which a tuning worker pays twice per trial and a logging loop on every flush.
 */
export class HttpTransport implements Transport {
  readonly description: string;
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(readonly baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.description = this.baseUrl;
    this.url = new URL(this.baseUrl);
    // Idle sockets are unref'd by the agent, so a finished script exits without close().
    this.agent = new (this.url.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 64 });
  }

  async postBytes<T>(path: string, query: Record<string, string>, contentType: string, body: Uint8Array): Promise<T> {
    const target = `${this.url.pathname.replace(/\/$/, '')}${path}?${new URLSearchParams(query)}`;
    const headers = { ...authHeaders(), 'content-type': contentType, 'content-length': String(body.byteLength) };
    return this.answer<T>(() => this.send('POST', target, headers, body));
  }

  async call<T>(method: HttpMethod, path: string, fields: Fields = {}): Promise<T> {
    let target = this.url.pathname.replace(/\/$/, '') + path;
    let body: string | undefined;
    const headers: Record<string, string> = { ...authHeaders() };
    if (method === 'GET') {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
      }
      const s = qs.toString();
      if (s) target += `?${s}`;
    } else {
      body = JSON.stringify(fields);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return this.answer<T>(() => this.send(method, target, headers, body));
  }

  private async answer<T>(sent: () => Promise<{ status: number; text: string }>): Promise<T> {
    let status: number;
    let text: string;
    try {
      ({ status, text } = await sent());
    } catch (e) {
      throw new AppError('TEMPORARILY_UNAVAILABLE', `Cannot reach the Trainyard server at ${this.baseUrl}: ${(e as Error).message}`);
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      /* plain text answers (health) stay text */
    }
    if (status < 200 || status >= 300) throw toAppError(status, parsed);
    return parsed as T;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private send(method: string, path: string, headers: Record<string, string>, body: string | Uint8Array | undefined, retried = false): Promise<{ status: number; text: string }> {
    const lib = this.url.protocol === 'https:' ? https : http;
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = lib.request({ protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port, path, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive socket just as we reused it: nothing reached the
        // server, so sending again on a fresh socket is safe (Node's documented pattern).
        if (!retried && req.reusedSocket && e.code === 'ECONNRESET') this.send(method, path, headers, body, true).then(resolve, reject);
        else reject(e);
      });
      req.end(body);
    });
  }
}

interface CompiledRoute {
  methods: HttpMethod[];
  pattern: RegExp;
  names: string[];
  handler: JsonRoute['handler'];
}

/** Calls route handlers directly. Responses go through JSON as over HTTP, so both modes return identical shapes. */
export class InProcessTransport implements Transport {
  private readonly compiled: CompiledRoute[] = [];
  constructor(
    routes: JsonRoute[],
    readonly description: string,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    for (const r of routes) {
      const paths = r.scope === 'mlflow' ? MLFLOW_PREFIXES.map((p) => p + r.path) : r.scope === 'ajax' ? [MLFLOW_PREFIXES[1] + r.path] : [r.path];
      for (const p of paths) {
        const names: string[] = [];
        const pattern = new RegExp('^' + p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, n: string) => (names.push(n), '([^/]+)')) + '$');
        this.compiled.push({ methods: r.methods, pattern, names, handler: r.handler });
      }
    }
  }

  async call<T>(method: HttpMethod, path: string, fields: Fields = {}): Promise<T> {
    for (const r of this.compiled) {
      const m = r.pattern.exec(path);
      if (!m || !r.methods.includes(method)) continue;
      const params: Fields = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      const result = await r.handler({ ...JSON.parse(JSON.stringify(fields)), ...params }, { baseUrl: 'embedded:' });
      // A route may answer with JSON text the database wrote (runs/search): parsed as a client would.
      if (result instanceof JsonText) return JSON.parse(result.text) as T;
      return (typeof result === 'string' ? result : JSON.parse(JSON.stringify(result))) as T;
    }
    throw new AppError('ENDPOINT_NOT_FOUND', `No endpoint ${method} ${path}`);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/**
 * Credentials for a server started with `--auth`: TRAINYARD_TOKEN (or MLflow's
 * MLFLOW_TRACKING_TOKEN) as a bearer token, else MLFLOW_TRACKING_USERNAME/PASSWORD as HTTP Basic.
 */
export function authHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const token = env.TRAINYARD_TOKEN || env.MLFLOW_TRACKING_TOKEN;
  if (token) return { authorization: `Bearer ${token}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    return { authorization: `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString('base64')}` };
  }
  return {};
}
