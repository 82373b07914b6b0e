import { AppError, type ErrorCode, ERROR_STATUS } from '../core/errors.js';
import type { Fields } from '../core/request-fields.js';
import type { HttpMethod, JsonRoute } from '../core/route.js';
import { MLFLOW_PREFIXES } from '../core/route.js';

/**
 * @module How the SDK and CLI reach Trainyard: over HTTP to a server, or embedded (the same route
 * handlers called in-process on a local store, no server). Both speak the same paths and fields,
 * so everything above the transport is written once.
 */
export interface Transport {
  /** `path` is a full API path such as `/api/2.0/mlflow/runs/get` or `/api/v1/runs/search`. */
  call<T = any>(method: HttpMethod, path: string, fields?: Fields): Promise<T>;
  close(): Promise<void>;
  readonly description: string;
}

function toAppError(status: number, body: unknown): AppError {
  const b = body as { error_code?: string; message?: string } | undefined;
  const code = (b?.error_code && b.error_code in ERROR_STATUS ? b.error_code : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST') as ErrorCode;
  return new AppError(code, b?.message ?? `HTTP ${status}`);
}

export class HttpTransport implements Transport {
  readonly description: string;
  constructor(readonly baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.description = this.baseUrl;
  }

  async call<T>(method: HttpMethod, path: string, fields: Fields = {}): Promise<T> {
    let url = this.baseUrl + path;
    const init: RequestInit = { method, headers: {} };
    if (method === 'GET') {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
      }
      const s = qs.toString();
      if (s) url += `?${s}`;
    } else {
      init.body = JSON.stringify(fields);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new AppError('TEMPORARILY_UNAVAILABLE', `Cannot reach the Trainyard server at ${this.baseUrl}: ${(e as Error).cause ? String((e as { cause: Error }).cause.message ?? (e as Error).cause) : (e as Error).message}`);
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* plain text answers (health) stay text */
    }
    if (!res.ok) throw toAppError(res.status, body);
    return body as T;
  }

  async close(): Promise<void> {}
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
      return (typeof result === 'string' ? result : JSON.parse(JSON.stringify(result))) as T;
    }
    throw new AppError('ENDPOINT_NOT_FOUND', `No endpoint ${method} ${path}`);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
