import type { ArtifactLocations } from '../artifacts/index.js';
import { InvalidParameter, NotFound, isAppError } from '../core/errors.js';
import type { VersionFile } from './entities.js';
import { collectFiles } from './source-files.js';
import { REGISTRY_LIMITS } from './validation.js';

/**
 * @module Where a new version's files are: `runs:/<run_id>/<path>`, an `mlflow-artifacts:` URI,
 * a logged model (`models:/m-<id>`), another version (`models:/<name>/<version>` or
 * `models:/<name>@<alias>`), or a path under the given run's own artifact location. Nothing is
 * copied: the version points at the files and records their digests, which `load` verifies.
 */

export interface SourceLookups {
  /** The run's artifact URI; NotFound when there is no such run. */
  runArtifactUri(runId: string): Promise<string>;
  /** A logged model's artifact location and source run; NotFound when unknown. */
  loggedModel(modelId: string): Promise<{ artifactUri: string; runId?: string }>;
  /** An existing registered version's storage; NotFound when unknown. */
  registeredVersion(name: string, ref: string): Promise<{ storage: string; runId?: string; modelId?: string }>;
}

export interface ResolvedSource {
  /** The artifact URI the files are read from (MLflow's download URI). */
  storage: string;
  runId?: string;
  modelId?: string;
  files: VersionFile[];
  /**
   * Why Trainyard could not record the files' digests (nothing stored there yet, a store it does
   * not manage or cannot reach): MLflow still creates such versions ("register first, upload
   * later", sources clients write to directly), so Trainyard does too and marks them unverified.
   */
  unverified?: string;
}

/** The version tag that marks a version whose files Trainyard could not digest, with the reason. */
export const UNVERIFIED_SOURCE_TAG = 'trainyard.source.unverified';
/** A URI with a scheme that is not one of Trainyard's own (s3://, gs://, dbfs:/, hdfs://, ...). */
const EXTERNAL_URI = /^(?!runs:|models:|mlflow-artifacts:|file:)[a-z][a-z0-9+.-]+:/i;

const PROXY = 'mlflow-artifacts:';
const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;
/** `mlflow-artifacts:/<exp>/<run>/artifacts/...`: the run a proxied artifact belongs to. */
const PROXY_RUN = /^mlflow-artifacts:\/+\d+\/([0-9a-f]{32})\/artifacts(\/|$)/;

function joinUri(base: string, rel: string): string {
  const r = rel.replace(/^\/+|\/+$/g, '');
  return r ? `${base.replace(/\/+$/, '')}/${r}` : base.replace(/\/+$/, '');
}

/** MLflow refuses `..` in a source; so do we, also behind percent-encoding. */
function checkTraversal(source: string): void {
  let s = source;
  for (let i = 0; i < 4; i++) {
    if (s.split(/[/\\]/).includes('..')) throw new InvalidParameter(`Invalid model version source: '${source.slice(0, 200)}'. A source may not contain '..'.`);
    try {
      const d = decodeURIComponent(s);
      if (d === s) break;
      s = d;
    } catch {
      break;
    }
  }
  if (source.includes('\u0000')) throw new InvalidParameter(`Invalid model version source: it contains a NUL character.`);
}

export class SourceResolver {
  constructor(
    private readonly lookups: SourceLookups,
    private readonly locations: ArtifactLocations,
  ) {}

  /** Resolves `source`, checks it against `runId` when both name a run, and digests its files. */
  async resolve(source: string, runId: string | undefined): Promise<ResolvedSource> {
    if (source.length > REGISTRY_LIMITS.source) throw new InvalidParameter(`Parameter 'source' had length ${source.length}, which exceeded length limit of ${REGISTRY_LIMITS.source}.`);
    checkTraversal(source);
    const target = await this.locate(source, runId);
    if (runId && target.runId && runId !== target.runId) {
      throw new InvalidParameter(`Parameter 'run_id' (${runId}) does not match the run of source '${source}' (${target.runId}).`);
    }
    const out = { ...target, runId: target.runId ?? runId };
    // A store the server does not manage is never read with the server's own credentials.
    if (!this.locations.manages(target.storage)) {
      return { ...out, files: [], unverified: `the files are in ${target.storage.split('/').slice(0, 3).join('/')}, a store this server does not manage` };
    }
    const { store, path } = this.locations.resolve(target.storage);
    try {
      return { ...out, files: await collectFiles(store, path) };
    } catch (e) {
      if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') return { ...out, files: [], unverified: 'no files were stored at the source when the version was created' };
      if (isAppError(e) && e.status < 500) throw e;
      // An unreachable store (network, credentials) is not the client's fault, nor a reason to fail.
      return { ...out, files: [], unverified: `the source could not be read: ${(e as Error).message.split('\n')[0]!.slice(0, 200)}` };
    }
  }

  /**
   * One file named by `runs:/<run>/<path>`, an `mlflow-artifacts:` URI, or a path relative to
   * `runId`'s artifact root (evaluation reports). Returns its URI; a 404 names it when missing.
   */
  async locateFile(ref: string, runId: string | undefined, field: string): Promise<string> {
    checkTraversal(ref);
    let uri: string;
    if (ref.startsWith('runs:/') || ref.startsWith(PROXY)) uri = (await this.locate(ref, undefined)).storage;
    else if (/^[a-z][\w+.-]*:/i.test(ref) || ref.startsWith('/')) throw new InvalidParameter(`Invalid value '${ref.slice(0, 200)}' for parameter '${field}': use runs:/<run_id>/<path>, an mlflow-artifacts: URI, or a path inside the version's run artifacts.`);
    else if (runId) uri = joinUri(await this.named(() => this.lookups.runArtifactUri(runId), ref), ref);
    else throw new InvalidParameter(`Parameter '${field}' is a relative path but the version has no source run; give runs:/<run_id>/<path> instead.`);
    const { store, path } = this.locations.resolve(uri);
    const st = await store.stat(path).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    });
    if (!st || st.isDir) throw new NotFound(`The ${field} '${ref}' does not exist${st?.isDir ? ' as a file (it is a folder)' : ''}.`);
    return uri;
  }

  private async locate(source: string, runId: string | undefined): Promise<Omit<ResolvedSource, 'files'>> {
    if (source.startsWith('runs:/')) {
      const m = /^runs:\/+([^/]+)(?:\/(.*))?$/.exec(source);
      if (!m) throw new InvalidParameter(`Invalid model version source '${source}': expected runs:/<run_id>/<path>.`);
      const uri = await this.named(() => this.lookups.runArtifactUri(m[1]!), source);
      return { storage: joinUri(uri, m[2] ?? ''), runId: m[1]! };
    }
    if (source.startsWith('models:/')) return this.locateModel(source);
    if (source.startsWith(PROXY)) return { storage: source.replace(/\/+$/, ''), runId: PROXY_RUN.exec(source)?.[1] };
    // s3://, gs://, dbfs:/ ...: kept as MLflow keeps them, for clients that write there directly.
    if (EXTERNAL_URI.test(source) && !runId) return { storage: source.replace(/\/+$/, '') };
    // Any other location (a folder, s3://...) only inside the given run's own artifact location,
    // as MLflow allows local sources only inside the run's artifact directory.
    if (runId) {
      const uri = await this.named(() => this.lookups.runArtifactUri(runId), source);
      const base = uri.replace(/\/+$/, '');
      if (source === base || source.startsWith(`${base}/`)) return { storage: source.replace(/\/+$/, ''), runId };
    }
    throw new InvalidParameter(
      `Invalid model version source '${source.slice(0, 200)}': use runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version>, an mlflow-artifacts: URI, or a path under the artifact location of the run given in 'run_id'.`,
    );
  }

  private async locateModel(source: string): Promise<Omit<ResolvedSource, 'files'>> {
    const rest = source.slice('models:/'.length).replace(/^\/+/, '');
    if (LOGGED_MODEL_ID.test(rest.replace(/\/+$/, ''))) {
      const id = rest.replace(/\/+$/, '');
      const lm = await this.named(() => this.lookups.loggedModel(id), source);
      return { storage: lm.artifactUri, runId: lm.runId, modelId: id };
    }
    const at = /^(.+)@([\w-]+)$/.exec(rest);
    const slash = /^(.+)\/([^/]+)$/.exec(rest);
    const [name, ref] = at ? [at[1]!, `@${at[2]}`] : slash ? [slash[1]!, slash[2]!] : [undefined, undefined];
    if (!name || !ref) throw new InvalidParameter(`Invalid model version source '${source}': expected models:/<model_id>, models:/<name>/<version> or models:/<name>@<alias>.`);
    const v = await this.named(() => this.lookups.registeredVersion(name, ref), source);
    return { storage: v.storage, runId: v.runId, modelId: v.modelId };
  }

  /** Runs a lookup, turning its 404 into one that names the source. */
  private async named<T>(fn: () => Promise<T>, source: string): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isAppError(e) && e.code === 'RESOURCE_DOES_NOT_EXIST') throw new NotFound(`Model version source '${source}' does not exist: ${e.message}.`);
      throw e;
    }
  }
}
