import { hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * @module Browser-facing guards that hold whether auth is on or off: the Host allow-list (DNS
 * rebinding), CORS (closed unless an origin is listed) and the cross-site form check (CSRF).
 */
export interface RequestGuardOptions {
  /** Host names (no port) the server answers to; `*` answers any. Absent: no Host check. */
  allowedHosts?: string[];
  /** Origins (`https://app.example.com`) that may call the API from a browser. */
  corsOrigins?: string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The names a server bound to `host` answers to: loopback, the bind address, the public URL's
 * host, and the `--allowed-hosts` list; a wildcard bind adds this machine's name and addresses.
 */
export function allowedHostsFor(host: string, opts: { publicUrl?: string; allowedHosts?: string[] } = {}): string[] {
  const names = new Set(LOOPBACK_NAMES);
  const bind = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bind === '0.0.0.0' || bind === '::') {
    names.add(hostname().toLowerCase());
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) names.add(a.address.toLowerCase());
  } else names.add(bind);
  if (opts.publicUrl) names.add(new URL(opts.publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase());
  for (const h of opts.allowedHosts ?? []) names.add(h.trim().toLowerCase());
  return [...names];
}

/** The host name of a Host header, without port or IPv6 brackets. */
function hostOf(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  return h.replace(/:\d*$/, '');
}

function hostAllowed(host: string, allowed: Set<string>): boolean {
  if (allowed.has('*') || allowed.has(host)) return true;
  if (host.startsWith('127.') || host.endsWith('.localhost')) return true;
  // `.example.com` in the list allows every subdomain, as Django's ALLOWED_HOSTS does.
  for (const a of allowed) if (a.startsWith('.') && (host.endsWith(a) || host === a.slice(1))) return true;
  return false;
}

/** Content types an HTML form or sendBeacon can send cross-site without a CORS preflight. */
const SIMPLE_TYPES = new Set(['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

const deny = (reply: FastifyReply, status: number, code: string, message: string) => reply.status(status).send({ error_code: code, message });

export function installRequestGuards(app: FastifyInstance, opts: RequestGuardOptions): void {
  const allowed = opts.allowedHosts ? new Set(opts.allowedHosts.map((h) => h.toLowerCase())) : undefined;
  const origins = new Set((opts.corsOrigins ?? []).map((o) => o.replace(/\/+$/, '')));
  // Callback-style (no promise per request); a refusal answers and does not call done().
  app.addHook('onRequest', (req, reply, done) => {
    // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 still sends
    // `Host: evil.example`; answering only known names keeps it out.
    if (allowed) {
      const host = hostOf(req.headers.host);
      if (!hostAllowed(host, allowed)) {
        return void deny(reply, 403, 'PERMISSION_DENIED', `Host '${host.slice(0, 100)}' is not allowed: start the server with --allowed-hosts ${host.slice(0, 100) || '<name>'} (or --public-url) if clients reach it by that name.`);
      }
    }
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-allow-credentials', 'true');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        return void reply
          .status(204)
          .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
          .header('access-control-allow-headers', 'authorization, content-type, x-trainyard-csrf')
          .header('access-control-max-age', '600')
          .send();
      }
    }
    // CSRF without cookies (auth off, or Basic credentials a browser cached): a cross-site form
    // POST carries Origin / Sec-Fetch-Site and a "simple" content type. Our pages send JSON or
    // the X-Trainyard-CSRF header, which a foreign page cannot set without a preflight we refuse.
    const fromBrowser = origin !== undefined || typeof req.headers['sec-fetch-site'] === 'string';
    if (req.method === 'POST' && fromBrowser && req.headers['x-trainyard-csrf'] === undefined) {
      const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (SIMPLE_TYPES.has(type)) {
        return void deny(reply, 415, 'BAD_REQUEST', `Refusing a browser POST with Content-Type '${type || 'none'}': send JSON (Content-Type: application/json) or the X-Trainyard-CSRF header.`);
      }
    }
    done();
  });
}
