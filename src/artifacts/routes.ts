import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, InvalidParameter } from '../core/errors.js';
import { parseClientJson } from '../core/json-text.js';
import type { Fields } from '../core/request-fields.js';
import type { PermissionLevel, RouteAuth } from '../core/route.js';
import type { ArtifactStore, ByteRange } from './artifact-store.js';
import { normalizeArtifactPath } from './safe-path.js';

const PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

/** `Range: bytes=a-b` -> a byte range; other forms are served whole. */
export function parseRangeHeader(header: string | undefined): ByteRange | undefined {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) };
}

/** Streams a stored file as an attachment, honouring a Range header; sends its sha256 when known. */
export async function sendArtifact(store: ArtifactStore, path: string, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const range = parseRangeHeader(req.headers.range);
  const file = await store.get(path, range);
  const name = path.split('/').pop() || 'artifact';
  reply
    .header('Content-Disposition', `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Length', String(file.size))
    .header('Accept-Ranges', 'bytes')
    .type('application/octet-stream');
  if (file.sha256) reply.header('X-Trainyard-Sha256', file.sha256);
  if (file.range) reply.status(206).header('Content-Range', `bytes ${file.range.start}-${file.range.end}/${file.totalSize}`);
  return reply.send(file.stream);
}

/** Lets handlers stream request bodies themselves instead of buffering them. */
export function streamBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}

function pathParam(req: FastifyRequest): string {
  return normalizeArtifactPath((req.params as { '*': string })['*'] ?? '');
}

/** The proxied path a request names (the wildcard, or `?path=` on the listing), validated. */
function proxiedPath(f: Fields): string | undefined {
  const raw = f['*'] || f.path;
  const path = normalizeArtifactPath(typeof raw === 'string' ? raw : '');
  return path || undefined;
}

/**
 * With `--auth`, a proxied path is checked against the experiment that owns it (src/auth maps
 * `artifact_path` to it), as MLflow's basic-auth does: READ to get or list, EDIT to write, MANAGE
 * to delete.
 */
const onPath = (level: PermissionLevel): { config: { auth: RouteAuth } } => ({ config: { auth: { resource: 'artifact_path', level, from: proxiedPath } } });

export interface ArtifactProxyOptions {
  /**
   * Names the experiment whose artifact root is `path` or lies under it, if any: deleting such a
   * path would remove an experiment's files (and the versions registered from them) at once.
   */
  experimentRootUnder?: (path: string) => Promise<string | undefined>;
  /**
   * Names the registered version whose files `path` would overwrite (`put`) or remove (`delete`),
   * if any: those files are served and verified by their recorded digests while it exists.
   */
  registeredVersionAt?: (path: string, op: 'put' | 'delete') => Promise<string | undefined>;
}

async function refuseIfRegistered(opts: ArtifactProxyOptions, path: string, op: 'put' | 'delete'): Promise<void> {
  const holder = await opts.registeredVersionAt?.(path, op);
  if (holder !== undefined) {
    throw new AppError('PERMISSION_DENIED', `Refusing to ${op === 'put' ? 'overwrite' : 'delete'} '${path.slice(0, 200)}': ${holder} is registered from these files. Delete that version first, or log the new files under another path.`);
  }
}

/**
 * MLflow's artifact proxy (reference §3.5): PUT/GET/list/DELETE of files under the server's store,
 * streaming in both directions, and multipart uploads whose part URLs point back at this server
 * (so they work on the local store too, where MLflow answers 501).
 */
export function artifactProxyRoutes(store: ArtifactStore, opts: ArtifactProxyOptions = {}) {
  return async (scope: FastifyInstance) => {
    streamBodies(scope);
    for (const prefix of PREFIXES) {
      scope.put(`${prefix}/artifacts/*`, onPath('EDIT'), async (req, reply) => {
        const path = pathParam(req);
        if (!path) throw new InvalidParameter('An artifact path is required after /artifacts/.');
        await refuseIfRegistered(opts, path, 'put');
        // A declared length lets the store catch a truncated upload (and size S3 parts).
        const size = req.headers['content-length'] ? Number(req.headers['content-length']) : undefined;
        const res = await store.put(path, req.raw, size !== undefined && Number.isSafeInteger(size) ? { size } : undefined);
        return reply.header('X-Trainyard-Sha256', res.sha256).send({});
      });
      scope.get(`${prefix}/artifacts/*`, onPath('READ'), async (req, reply) => {
        const path = pathParam(req);
        if (!path) return listing(req, reply);
        return sendArtifact(store, path, req, reply);
      });
      const listing = async (req: FastifyRequest, reply: FastifyReply) => {
        const dir = normalizeArtifactPath(String((req.query as { path?: string }).path ?? ''));
        const entries = await store.list(dir);
        return reply.send({ files: entries.map((e) => ({ path: e.path, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })) });
      };
      scope.get(`${prefix}/artifacts`, onPath('READ'), listing);
      scope.delete(`${prefix}/artifacts/*`, onPath('MANAGE'), async (req, reply) => {
        const path = pathParam(req);
        if (!path) throw new InvalidParameter('Refusing to delete the artifact root: name a path after /artifacts/.');
        const owner = await opts.experimentRootUnder?.(path);
        if (owner !== undefined) {
          throw new AppError('PERMISSION_DENIED', `Refusing to delete '${path.slice(0, 200)}': it holds the artifact root of experiment ${owner}. Delete the experiment (experiments/delete) or files inside its runs instead.`);
        }
        await refuseIfRegistered(opts, path, 'delete');
        await store.delete(path);
        return reply.send({});
      });

      scope.post(`${prefix}/mpu/create/*`, onPath('EDIT'), async (req, reply) => {
        const path = pathParam(req);
        await refuseIfRegistered(opts, path, 'put');
        const body = await readJson(req);
        const numParts = Number(body.num_parts ?? 1);
        if (!Number.isInteger(numParts) || numParts < 1 || numParts > 10_000) throw new InvalidParameter(`num_parts must be an integer between 1 and 10000, got ${body.num_parts}`);
        const uploadId = await store.createMultipartUpload(path);
        const base = `${req.protocol}://${req.host}${prefix}/mpu/upload-part/${path.split('/').map(encodeURIComponent).join('/')}`;
        const credentials = Array.from({ length: numParts }, (_, i) => ({
          url: `${base}?upload_id=${encodeURIComponent(uploadId)}&part_number=${i + 1}`,
          part_number: i + 1,
          headers: {},
        }));
        return reply.send({ upload_id: uploadId, credentials });
      });
      scope.put(`${prefix}/mpu/upload-part/*`, onPath('EDIT'), async (req, reply) => {
        const q = req.query as { upload_id?: string; part_number?: string };
        const partNumber = Number(q.part_number);
        if (!q.upload_id) throw new InvalidParameter("Missing value for required parameter 'upload_id'.");
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw new InvalidParameter(`part_number must be an integer between 1 and 10000, got ${q.part_number}`);
        const size = req.headers['content-length'] ? Number(req.headers['content-length']) : undefined;
        const etag = await store.uploadPart(pathParam(req), q.upload_id, partNumber, req.raw, { size });
        return reply.header('ETag', etag).send({});
      });
      scope.post(`${prefix}/mpu/complete/*`, onPath('EDIT'), async (req, reply) => {
        await refuseIfRegistered(opts, pathParam(req), 'put');
        const body = await readJson(req);
        const parts = Array.isArray(body.parts) ? body.parts : [];
        if (!body.upload_id) throw new InvalidParameter("Missing value for required parameter 'upload_id'.");
        const res = await store.completeMultipartUpload(
          pathParam(req),
          String(body.upload_id),
          parts.map((p: { part_number?: unknown; etag?: unknown }, i: number) => {
            if (!Number.isInteger(Number(p?.part_number)) || typeof p?.etag !== 'string') throw new InvalidParameter(`parts[${i}] needs an integer part_number and a string etag.`);
            return { partNumber: Number(p.part_number), etag: p.etag };
          }),
        );
        return reply.header('X-Trainyard-Sha256', res.sha256).send({});
      });
      scope.post(`${prefix}/mpu/abort/*`, onPath('EDIT'), async (req, reply) => {
        const body = await readJson(req);
        if (!body.upload_id) throw new InvalidParameter("Missing value for required parameter 'upload_id'.");
        await store.abortMultipartUpload(pathParam(req), String(body.upload_id));
        return reply.send({});
      });
    }
  };
}

/** A small JSON body read from the raw stream (the scope does not buffer bodies). */
export async function readJson(req: FastifyRequest, limit = 10 * 1024 * 1024): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req.raw) {
    n += (c as Buffer).length;
    if (n > limit) throw new InvalidParameter(`Request body over ${limit} bytes.`);
    chunks.push(c as Buffer);
  }
  if (!n) return {};
  const v = parseClientJson(Buffer.concat(chunks).toString('utf8'), 'the request body');
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, any>;
  throw new InvalidParameter('Malformed JSON request body: expected a JSON object.');
}
