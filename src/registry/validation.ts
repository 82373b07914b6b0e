import { InvalidParameter } from '../core/errors.js';
import { STAGES, type Stage } from './entities.js';

/** MLflow's registry limits (reference §4); over-long values are a 400, never truncated. */
export const REGISTRY_LIMITS = {
  /** MLflow's column is VARCHAR(256). */
  modelName: 256,
  tagKey: 250,
  tagValue: 100_000,
  alias: 255,
  description: 100_000,
  source: 4_000,
  searchModelsDefault: 100,
  searchModelsMax: 1_000,
  searchVersionsDefault: 200_000,
  searchVersionsMax: 200_000,
} as const;

export function validateModelName(name: string, field = 'name'): void {
  if (!name.trim()) throw new InvalidParameter(`Registered model name cannot be empty (parameter '${field}').`);
  if (name.length > REGISTRY_LIMITS.modelName) {
    throw new InvalidParameter(`Parameter '${field}': registered model name had length ${name.length}, which exceeded length limit of ${REGISTRY_LIMITS.modelName}.`);
  }
}

const TAG_KEY_RE = /^[/\w.\- :]*$/;

/** A registry tag: key by MLflow's tag-name rules, value up to 100,000 characters. */
export function validateTag(key: string, value: string): void {
  if (!key) throw new InvalidParameter(`Missing value for required parameter 'key'.`);
  if (key.length > REGISTRY_LIMITS.tagKey) {
    throw new InvalidParameter(`Tag key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${REGISTRY_LIMITS.tagKey}.`);
  }
  if (!TAG_KEY_RE.test(key) || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidParameter(
      `Invalid tag name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/), and must be normalised relative paths.`,
    );
  }
  if (value.length > REGISTRY_LIMITS.tagValue) {
    throw new InvalidParameter(`Tag value for '${key}' had length ${value.length}, which exceeded length limit of ${REGISTRY_LIMITS.tagValue}.`);
  }
}

/**
 * MLflow's alias rules: `^[\w\-]*$`, at most 255 characters, and not a name that `models:/`
 * URIs already give a meaning to (`latest`, `v<digits>`, both case-insensitive).
 */
export function validateAlias(alias: string): void {
  if (!alias) throw new InvalidParameter(`Missing value for required parameter 'alias'.`);
  if (!/^[\w-]*$/.test(alias)) {
    throw new InvalidParameter(`Invalid alias name: '${alias.slice(0, 60)}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-).`);
  }
  if (alias.length > REGISTRY_LIMITS.alias) {
    throw new InvalidParameter(`Alias name '${alias.slice(0, 40)}...' had length ${alias.length}, which exceeded length limit of ${REGISTRY_LIMITS.alias}.`);
  }
  if (/^v\d+$/i.test(alias)) throw new InvalidParameter(`Alias name '${alias}' is reserved: 'v<number>' names a version in models:/ URIs.`);
  if (alias.toLowerCase() === 'latest') throw new InvalidParameter(`Alias name '${alias}' is reserved: 'latest' names the newest version in models:/ URIs.`);
}

/** A version number from a request ("3" or 3): a positive integer, else a 400 naming the field. */
export function parseVersion(v: string, field = 'version'): number {
  const s = v.trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)) || Number(s) < 1) {
    throw new InvalidParameter(`Invalid value '${v.slice(0, 40)}' for parameter '${field}': model versions are positive integers such as '1'.`);
  }
  return Number(s);
}

/** A stage name, matched case-insensitively like MLflow, returned in its canonical spelling. */
export function parseStage(stage: string, field = 'stage'): Stage {
  const hit = STAGES.find((s) => s.toLowerCase() === stage.trim().toLowerCase());
  if (!hit) throw new InvalidParameter(`Invalid Model Version stage: '${stage}' (parameter '${field}'). Value must be one of ${STAGES.join(', ')}.`);
  return hit;
}

export function validateDescription(description: string): void {
  if (description.length > REGISTRY_LIMITS.description) {
    throw new InvalidParameter(`Description had length ${description.length}, which exceeded length limit of ${REGISTRY_LIMITS.description}.`);
  }
}
