import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

/** Paths that belong to the API: an unknown one stays a JSON 404, never the UI's index.html. */
const API_PREFIXES = ['/api/', '/ajax-api/', '/get-artifact', '/model-versions/get-artifact', '/health', '/version'];

/**
 * Where the built UI lies: dist/web next to dist/server when running the built package, or
 * <repo>/dist/web when the server runs from src/ (tests, tsx).
 */
export function findWebRoot(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const candidate of [join(here, '../web'), join(here, '../../dist/web')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

function listFiles(root: string, dir = root, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listFiles(root, full, out);
    else out.set('/' + relative(root, full).split(sep).join('/'), full);
  }
  return out;
}

/**
 * Serves the web UI at `/`: the built files by exact path (the set is read once at start, so no
 * request path ever reaches the file system), `index.html` for any other GET that is not an API
 * path (client-side routes), hashed assets under /assets/ cached as immutable.
 */
/** The UI's static files hold no data (every API call is checked), and the sign-in page must load. */
const UI_PUBLIC = { config: { auth: { public: true } as const } };

export function uiHosting(root: string | undefined = findWebRoot()) {
  return async (app: FastifyInstance) => {
    if (!root) {
      app.get('/', UI_PUBLIC, async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Trainyard server. The web UI is not built: run `npm run build`.'));
      return;
    }
    // Read once at start (~2 MB): a rebuild under a running server cannot mix two builds' files.
    const files = new Map([...listFiles(root)].map(([path, full]) => [path, readFileSync(full)]));
    const read = (path: string) => files.get(path)!;
    app.get('/*', UI_PUBLIC, async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split('?')[0]!);
      } catch {
        return reply.status(400).send({ error_code: 'BAD_REQUEST', message: `Malformed URL path ${req.url.slice(0, 200)}` });
      }
      if (files.has(path) && path !== '/index.html') {
        const immutable = path.startsWith('/assets/');
        return reply
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .type(TYPES[extname(path)] ?? 'application/octet-stream')
          .send(read(path));
      }
      if (API_PREFIXES.some((p) => path.startsWith(p)) || path.startsWith('/assets/')) {
        // The server's own not-found answer: 405 for a known path, 414 for an over-long id, else 404.
        return reply.callNotFound();
      }
      // A client route: the app decides what to show. Never cached, so a new build is picked up.
      return reply.header('cache-control', 'no-cache').type(TYPES['.html']!).send(read('/index.html'));
    });
  };
}
