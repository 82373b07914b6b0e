import { InvalidParameter } from '../core/errors.js';

/** MLflow's limits (reference §4). We reject over-long values with a 400 instead of truncating. */
export const LIMITS = {
  keyLength: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentName: 500,
  experimentTagKey: 250,
  experimentTagValue: 5000,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  /** Our binary metric batch (not MLflow's JSON): 28 bytes a point, so 100,000 is under 3 MB. */
  binaryBatchMetrics: 100_000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSchema: 1024 * 1024,
  datasetSource: 64 * 1024,
  datasetProfile: 16 * 1024 * 1024,
  inputTagKey: 255,
  inputTagValue: 500,
  searchMaxResults: 50_000,
  historyPage: 25_000,
} as const;

const KEY_RE = /^[/\w.\- :]*$/;

/** A metric/param/tag key: MLflow's character set, at most 250 chars, a normalised relative path. */
export function validateKey(key: string, kind: 'metric' | 'param' | 'tag'): void {
  if (!key) throw new InvalidParameter(`Missing value for required parameter 'key' (${kind} key must not be empty).`);
  if (key.length > LIMITS.keyLength) {
    throw new InvalidParameter(`${kind} key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`);
  }
  if (!KEY_RE.test(key)) {
    throw new InvalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (key.startsWith('/') || key.split('/').some((seg) => seg === '..' || seg === '.' || seg === '') ) {
    throw new InvalidParameter(`Invalid ${kind} name: '${key}'. Names must be normalised relative paths (no leading '/', '//', '.' or '..' segments).`);
  }
}

export function validateLength(value: string, limit: number, what: string): void {
  if (value.length > limit) {
    throw new InvalidParameter(`${what} had length ${value.length}, which exceeded length limit of ${limit}`);
  }
}

export function validateExperimentName(name: string): void {
  if (!name.trim()) throw new InvalidParameter(`Invalid experiment name: '${name}'. An experiment name must be a non-empty string.`);
  validateLength(name, LIMITS.experimentName, `Experiment name '${name.slice(0, 40)}'`);
}

export function validateTimestamp(ts: number, what = 'timestamp'): void {
  if (!Number.isSafeInteger(ts) || ts < 0) throw new InvalidParameter(`Invalid value ${ts} for parameter '${what}': must be a non-negative integer (ms since epoch)`);
}

/** An artifact location must be a plain URI or path: no fragment or query (MLflow), no `runs:/`. */
export function validateArtifactLocation(loc: string): void {
  if (loc.includes('#') || /;[^/]*=/.test(loc) || loc.includes('?')) {
    throw new InvalidParameter(`Invalid artifact_location '${loc}': it must not contain a fragment, query or URI parameters.`);
  }
  if (loc.startsWith('runs:')) throw new InvalidParameter(`Invalid artifact_location '${loc}': 'runs:/' URIs cannot be an experiment's artifact location.`);
  if (loc.split(/[\\/]/).includes('..')) throw new InvalidParameter(`Invalid artifact_location '${loc}': it must not contain '..'.`);
}
