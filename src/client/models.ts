/**
 * @module The SDK's model registry: `run.logModel(dir, ...)` writes a model package (files plus an
 * MLmodel manifest with digests, signature, environment and lineage); `ty.models` registers,
 * promotes and loads versions, verifying every digest before handing back a local path.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, InvalidParameter } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import {
  buildManifest, digestFolder, INPUT_EXAMPLE_FILE, inputExampleJson, IntegrityError, MANIFEST_FILE, normalizeFlavors, parseManifest, renderManifest,
  verifyFolder, type FileDigest, type ModelSignature,
} from '../registry/package/index.js';
import type { Lineage, ModelVersion, PolicyJson, PromotionJson, RegisteredModel, VersionFile } from '../registry/index.js';
import type { Run } from '../tracking/entities.js';
import { lockfileDigests } from './capture/lockfiles.js';
import type { Connection } from './connect.js';

const API = '/api/2.0/mlflow';
const modelPath = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

export interface LogModelOptions {
  /** `'onnx'`, or flavors with settings: `{ python_function: { loader_module: 'my.loader' } }`. */
  flavor: string | Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  /** A sample input, saved as `input_example.json` (rows of records become a pandas split frame). */
  inputExample?: unknown;
  /** Where under the run's artifacts the package goes (default `model`). */
  artifactPath?: string;
  /** Requirement lines; default: the package folder's `requirements.txt`, if any. */
  requirements?: string[];
  /** The project whose lockfiles pin the environment (default: the working directory). */
  projectDir?: string;
}

/** What `logModel` wrote: pass `modelUri` (or this object) to `ty.models.register`. */
export interface ModelPackageInfo {
  runId: string;
  artifactPath: string;
  /** `runs:/<run_id>/<artifactPath>`. */
  modelUri: string;
  /** The package folder's artifact URI. */
  artifactUri: string;
  /** Every file's digest as written to the manifest (the manifest itself excluded). */
  files: Record<string, FileDigest>;
}

/** Writes `dir` as a model package under the run's artifacts. Used by `ActiveRun.logModel`. */
export async function logModelPackage(conn: Connection, run: Run['info'], dir: string, opts: LogModelOptions): Promise<ModelPackageInfo> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidParameter(`Model folder '${dir}' does not exist or is not a folder.`);
  const artifactPath = (opts.artifactPath ?? 'model').replace(/^\/+|\/+$/g, '');
  if (!artifactPath || artifactPath.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new InvalidParameter(`Invalid artifactPath '${opts.artifactPath}': use a relative folder such as 'model'.`);
  }
  const flavors = normalizeFlavors(opts.flavor);
  // Files the package brings; the manifest and input example are written by us.
  const files = await digestFolder(dir, (p) => p === MANIFEST_FILE || (opts.inputExample !== undefined && p === INPUT_EXAMPLE_FILE));
  if (!Object.keys(files).length && opts.inputExample === undefined) throw new InvalidParameter(`Model folder '${dir}' holds no files.`);
  const staging = mkdtempSync(join(tmpdir(), 'ty-model-'));
  try {
    const example = opts.inputExample !== undefined ? inputExampleJson(opts.inputExample) : undefined;
    if (example) {
      writeFileSync(join(staging, INPUT_EXAMPLE_FILE), example.json);
      files[INPUT_EXAMPLE_FILE] = { sha256: createHash('sha256').update(example.json).digest('hex'), size: Buffer.byteLength(example.json) };
    }
    const { run: current } = await conn.call<{ run: Run }>('GET', `${API}/runs/get`, { run_id: run.run_id });
    const requirements = opts.requirements
      ?? (existsSync(join(dir, 'requirements.txt')) ? readFileSync(join(dir, 'requirements.txt'), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : []);
    const manifest = buildManifest({
      artifactPath,
      runId: run.run_id,
      flavors,
      ...(opts.signature ? { signature: opts.signature } : {}),
      ...(example ? { inputExample: { type: example.type } } : {}),
      files,
      environment: {
        requirements,
        lockfiles: lockfileDigests(opts.projectDir ?? process.cwd()),
        runtime: { node: process.version, platform: `${process.platform}-${process.arch}`, trainyard: VERSION },
      },
      datasets: current.inputs.dataset_inputs.map((d) => {
        const context = d.tags.find((t) => t.key === 'mlflow.data.context')?.value;
        return { name: d.dataset.name, digest: d.dataset.digest, ...(context ? { context } : {}) };
      }),
    });
    writeFileSync(join(staging, MANIFEST_FILE), renderManifest(manifest));
    for (const rel of Object.keys(files)) {
      const local = rel === INPUT_EXAMPLE_FILE && example ? join(staging, INPUT_EXAMPLE_FILE) : join(dir, ...rel.split('/'));
      await conn.artifacts.upload(run.artifact_uri, `${artifactPath}/${rel}`, local);
    }
    // The manifest goes last: a package with an MLmodel is a complete package.
    await conn.artifacts.upload(run.artifact_uri, `${artifactPath}/${MANIFEST_FILE}`, join(staging, MANIFEST_FILE));
    // MLflow's record of logged models on the run (what its UI lists).
    const { metadata: _omit, ...modelJson } = manifest;
    await conn.call('POST', `${API}/runs/log-model`, { run_id: run.run_id, model_json: JSON.stringify(modelJson) });
    return { runId: run.run_id, artifactPath, modelUri: `runs:/${run.run_id}/${artifactPath}`, artifactUri: `${run.artifact_uri.replace(/\/+$/, '')}/${artifactPath}`, files };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface LoadOptions {
  /** Folder to place the model in (default: a per-version cache folder under the OS temp dir). */
  dst?: string;
  /** Download again even when a verified copy is already there. */
  force?: boolean;
}

/** Folder-safe form of a model name for the cache. */
const safe = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 100);

/** Registered models, versions, aliases, promotions and verified downloads. Reach it as `ty.models`. */
export class Models {
  constructor(private readonly connection: () => Promise<Connection>) {}

  /**
   * Registers a version of `name` (creating the model if needed) from `runs:/...`, a
   * `mlflow-artifacts:` URI, `models:/...`, or what `run.logModel` returned.
   * @example const v = await ty.models.register('churn', pkg); // pkg = await run.logModel('out/model', { flavor: 'onnx' })
   */
  async register(name: string, source: string | ModelPackageInfo, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<ModelVersion> {
    const c = await this.connection();
    try {
      await c.call('POST', `${API}/registered-models/create`, { name });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
    }
    const src = typeof source === 'string' ? source : source.modelUri;
    const { model_version } = await c.call<{ model_version: ModelVersion }>('POST', `${API}/model-versions/create`, {
      name, source: src, ...(typeof source !== 'string' ? { run_id: source.runId } : {}),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
      tags: Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    return model_version;
  }

  async get(name: string): Promise<RegisteredModel> {
    return (await (await this.connection()).call<{ registered_model: RegisteredModel }>('GET', `${API}/registered-models/get`, { name })).registered_model;
  }

  async list(opts: { filter?: string; maxResults?: number; pageToken?: string } = {}): Promise<{ registered_models: RegisteredModel[]; next_page_token?: string }> {
    const res = await (await this.connection()).call('GET', `${API}/registered-models/search`, { filter: opts.filter, max_results: opts.maxResults, page_token: opts.pageToken });
    return { registered_models: res.registered_models ?? [], ...(res.next_page_token ? { next_page_token: res.next_page_token } : {}) };
  }

  async versions(name: string, opts: { maxResults?: number; pageToken?: string } = {}): Promise<{ model_versions: ModelVersion[]; next_page_token?: string }> {
    const filter = `name = '${name.replace(/'/g, "\\'")}'`;
    const res = await (await this.connection()).call('GET', `${API}/model-versions/search`, { filter, max_results: opts.maxResults ?? 1000, page_token: opts.pageToken });
    return { model_versions: res.model_versions ?? [], ...(res.next_page_token ? { next_page_token: res.next_page_token } : {}) };
  }

  /** A version by `'@alias'`, `'latest'`, or number. */
  async resolve(name: string, ref: string | number): Promise<ModelVersion> {
    const c = await this.connection();
    return (await c.call<{ model_version: ModelVersion }>('GET', `${modelPath(name)}/resolve`, { ref: String(ref) })).model_version;
  }

  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    await (await this.connection()).call('POST', `${API}/registered-models/alias`, { name, alias: alias.replace(/^@/, ''), version: String(version) });
  }

  /** Asks to move `@alias` (or a stage) to a version; another user approves it. */
  async requestPromotion(name: string, req: { version: string | number; alias?: string; stage?: string; comment?: string; evaluationReport?: string; overrideReason?: string; user?: string }): Promise<PromotionJson> {
    const c = await this.connection();
    return (await c.call<{ request: PromotionJson }>('POST', `${modelPath(name)}/promotions`, {
      version: String(req.version), alias: req.alias?.replace(/^@/, ''), stage: req.stage, comment: req.comment,
      evaluation_report: req.evaluationReport, override_reason: req.overrideReason, user: req.user,
    })).request;
  }

  async approve(name: string, requestId: string, opts: { comment?: string; overrideReason?: string; user?: string } = {}): Promise<PromotionJson> {
    const c = await this.connection();
    return (await c.call<{ request: PromotionJson }>('POST', `${modelPath(name)}/promotions/${requestId}/approve`, {
      comment: opts.comment, override_reason: opts.overrideReason, user: opts.user,
    })).request;
  }

  async reject(name: string, requestId: string, opts: { comment?: string; user?: string } = {}): Promise<PromotionJson> {
    const c = await this.connection();
    return (await c.call<{ request: PromotionJson }>('POST', `${modelPath(name)}/promotions/${requestId}/reject`, { comment: opts.comment, user: opts.user })).request;
  }

  async setPolicy(name: string, policy: { gates?: string[]; targets?: string[]; requireReview?: boolean; user?: string }): Promise<PolicyJson> {
    const c = await this.connection();
    return (await c.call<{ policy: PolicyJson }>('PUT', `${modelPath(name)}/policy`, {
      gates: policy.gates ?? [], targets: policy.targets ?? [], require_review: policy.requireReview ?? false, user: policy.user,
    })).policy;
  }

  async lineage(name: string, version: string | number): Promise<Lineage> {
    return (await this.connection()).call<Lineage>('GET', `${modelPath(name)}/versions/${version}/lineage`);
  }

  /** The version's model card, Markdown. */
  async card(name: string, version: string | number): Promise<string> {
    return (await this.connection()).call<string>('GET', `${modelPath(name)}/versions/${version}/card`);
  }

  /**
   * Downloads a version to a local folder and verifies every file against the digests recorded
   * at registration (and the package manifest's own digests) before returning the folder.
   * @throws IntegrityError naming the file when one was modified, here or in the store.
   * @example const dir = await ty.models.load('churn', '@champion');
   */
  async load(name: string, ref: string | number = '@champion', opts: LoadOptions = {}): Promise<string> {
    const c = await this.connection();
    const mv = await this.resolve(name, ref);
    const { storage_location: storage, files } = await c.call<{ storage_location: string; files: VersionFile[] }>(
      'GET', `${modelPath(name)}/versions/${mv.version}/files`,
    );
    const expected = Object.fromEntries(files.map((f) => [f.path || storage.split('/').pop()!, { sha256: f.sha256, size: f.size }]));
    const what = `model '${name}' version ${mv.version}`;
    // TRAINYARD_MODEL_CACHE moves the cache of verified copies (default $TMPDIR/trainyard-models).
    const dst = opts.dst ?? join(process.env.TRAINYARD_MODEL_CACHE || join(tmpdir(), 'trainyard-models'), `${safe(name)}-v${mv.version}-${digestOf(files).slice(0, 12)}`);
    if (existsSync(dst) && !opts.force) {
      // A copy is already there: trust it only if it still matches (a tampered copy is an error).
      await verifyFolder(dst, expected, `${what} at ${dst}`);
      await verifyManifest(dst, what);
      return dst;
    }
    mkdirSync(dirname(dst), { recursive: true });
    const staging = mkdtempSync(`${dst}.partial-`);
    try {
      for (const f of files) {
        const rel = f.path || storage.split('/').pop()!;
        const local = join(staging, ...rel.split('/'));
        mkdirSync(dirname(local), { recursive: true });
        const hash = createHash('sha256');
        const tap = new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(null, chunk); } });
        const source = f.path ? await c.artifacts.download(storage, f.path) : await c.artifacts.download(storage, '');
        await pipeline(source, tap, createWriteStream(local));
        const got = hash.digest('hex');
        if (got !== f.sha256) {
          throw new IntegrityError(rel, `Integrity check failed for ${what}: file '${rel}' in the artifact store has sha256 ${got} but ${f.sha256} was recorded at registration; it was modified after registration.`);
        }
      }
      await verifyManifest(staging, what);
      rmSync(dst, { recursive: true, force: true });
      renameSync(staging, dst);
      return dst;
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
  }
}

/** The package manifest's own digests must agree too (catches edits made before registration). */
async function verifyManifest(dir: string, what: string): Promise<void> {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return;
  const { trainyard } = parseManifest(readFileSync(file, 'utf8'));
  if (trainyard) await verifyFolder(dir, trainyard.files, `${what} (package manifest)`);
}

function digestOf(files: VersionFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\u0000${f.sha256}\n`);
  return h.digest('hex');
}
