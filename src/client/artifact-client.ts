import { authHeaders } from './transport.js';
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { openArtifactStore, Sha256Tap, type ArtifactStore } from '../artifacts/index.js';
import { AppError, InvalidParameter } from '../core/errors.js';

export interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/**
 * Moves files to and from a run's artifact URI. `mlflow-artifacts:/...` URIs go through the
 * server's artifact proxy (remote) or straight to the local artifact store (embedded); a run
 * whose experiment names its own location (a folder, `s3://...`) is written there directly, as
 * MLflow's clients do.
 */
export interface ArtifactClient {
  upload(artifactUri: string, relPath: string, file: string): Promise<void>;
  /**
   * Downloads to `destFile`, hashing as it streams, and checks the sha256 the store recorded at
   * upload; on a mismatch the file is removed and the error names it.
   */
  downloadTo(artifactUri: string, relPath: string, destFile: string): Promise<{ sha256: string; size: number }>;
  download(artifactUri: string, relPath: string): Promise<Readable>;
  /** One level under `relPath`; each entry's `path` is relative to the run's artifact root. */
  list(artifactUri: string, relPath?: string): Promise<ArtifactFileInfo[]>;
  close(): Promise<void>;
}

const PROXY_SCHEME = 'mlflow-artifacts:';

function join(a: string, b: string): string {
  return [a.replace(/\/+$/, ''), b.replace(/^\/+/, '')].filter(Boolean).join('/');
}

/** A non-proxy URI's store and the path inside it. */
function directStore(uri: string, stores: Map<string, ArtifactStore>): ArtifactStore {
  let s = stores.get(uri);
  if (!s) stores.set(uri, (s = openArtifactStore(uri)));
  return s;
}

abstract class BaseArtifactClient implements ArtifactClient {
  protected readonly direct = new Map<string, ArtifactStore>();
  protected abstract proxyPut(path: string, file: string, size: number): Promise<void>;
  protected abstract proxyGet(path: string): Promise<Readable>;
  /** The stream and the sha256 recorded for the file, when known. */
  protected abstract proxyGetVerified(path: string): Promise<{ stream: Readable; sha256?: string }>;
  protected abstract proxyList(path: string): Promise<ArtifactFileInfo[]>;

  private route(artifactUri: string, relPath: string): { proxy: true; path: string } | { proxy: false; store: ArtifactStore; path: string } {
    if (artifactUri.startsWith(PROXY_SCHEME)) return { proxy: true, path: join(artifactUri.slice(PROXY_SCHEME.length).replace(/^\/+/, ''), relPath) };
    return { proxy: false, store: directStore(artifactUri, this.direct), path: relPath };
  }

  async upload(artifactUri: string, relPath: string, file: string): Promise<void> {
    const r = this.route(artifactUri, relPath);
    if (r.proxy) return this.proxyPut(r.path, file, statSync(file).size);
    await r.store.put(r.path, createReadStream(file));
  }

  async download(artifactUri: string, relPath: string): Promise<Readable> {
    const r = this.route(artifactUri, relPath);
    if (r.proxy) return this.proxyGet(r.path);
    return (await r.store.get(r.path)).stream;
  }

  async downloadTo(artifactUri: string, relPath: string, destFile: string): Promise<{ sha256: string; size: number }> {
    const r = this.route(artifactUri, relPath);
    const src = r.proxy ? await this.proxyGetVerified(r.path) : await r.store.get(r.path);
    mkdirSync(dirname(destFile), { recursive: true });
    const tap = new Sha256Tap();
    await pipeline(src.stream, tap, createWriteStream(destFile));
    const got = tap.result();
    if (src.sha256 && src.sha256 !== got.sha256) {
      rmSync(destFile, { force: true });
      throw new AppError('INVALID_STATE', `Artifact '${relPath}' failed verification: recorded sha256 ${src.sha256}, downloaded ${got.sha256}.`);
    }
    return got;
  }

  async list(artifactUri: string, relPath = ''): Promise<ArtifactFileInfo[]> {
    const r = this.route(artifactUri, relPath);
    if (r.proxy) return (await this.proxyList(r.path)).map((f) => ({ ...f, path: join(relPath, f.path.split('/').pop()!) }));
    return (await r.store.list(r.path)).map((e) => ({ path: join(relPath, e.path), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) }));
  }

  async close(): Promise<void> {
    for (const s of this.direct.values()) await s.close();
  }
}

/** Through the server's `/api/2.0/mlflow-artifacts/artifacts/...` proxy, streaming both ways. */
export class HttpArtifactClient extends BaseArtifactClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  private url(path: string): string {
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async check(res: Response): Promise<Response> {
    if (res.ok) return res;
    const body = (await res.json().catch(() => ({}))) as { error_code?: string; message?: string };
    throw new AppError((body.error_code as never) ?? (res.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'INTERNAL_ERROR'), body.message ?? `HTTP ${res.status}`);
  }

  protected async proxyPut(path: string, file: string, size: number): Promise<void> {
    const init = { method: 'PUT', body: Readable.toWeb(createReadStream(file)), duplex: 'half', headers: { ...authHeaders(), 'content-type': 'application/octet-stream', 'content-length': String(size) } };
    await this.check(await fetch(this.url(path), init as RequestInit));
  }

  protected async proxyGet(path: string): Promise<Readable> {
    const res = await this.check(await fetch(this.url(path), { headers: authHeaders() }));
    return Readable.fromWeb(res.body as unknown as WebReadableStream);
  }

  protected async proxyGetVerified(path: string): Promise<{ stream: Readable; sha256?: string }> {
    const res = await this.check(await fetch(this.url(path), { headers: authHeaders() }));
    return { stream: Readable.fromWeb(res.body as unknown as WebReadableStream), sha256: res.headers.get('x-trainyard-sha256') ?? undefined };
  }

  protected async proxyList(path: string): Promise<ArtifactFileInfo[]> {
    const res = await this.check(await fetch(`${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, { headers: authHeaders() }));
    const body = (await res.json()) as { files?: ArtifactFileInfo[] };
    return body.files ?? [];
  }
}

/** Embedded: the proxy's paths map onto the local artifact store itself. */
export class StoreArtifactClient extends BaseArtifactClient {
  constructor(private readonly store: ArtifactStore) {
    super();
  }

  protected async proxyPut(path: string, file: string): Promise<void> {
    await this.store.put(path, createReadStream(file));
  }

  protected async proxyGet(path: string): Promise<Readable> {
    return (await this.store.get(path)).stream;
  }

  protected async proxyGetVerified(path: string): Promise<{ stream: Readable; sha256?: string }> {
    return this.store.get(path);
  }

  protected async proxyList(path: string): Promise<ArtifactFileInfo[]> {
    if (path.split('/').includes('..')) throw new InvalidParameter(`Invalid path '${path}'`);
    return (await this.store.list(path)).map((e) => ({ path: e.path, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) }));
  }

  override async close(): Promise<void> {
    await super.close();
    await this.store.close();
  }
}
