import type { Executor } from '../store/index.js';
import type { KeyValue, ModelRow, ModelVersion, RegisteredModel, VersionRow } from './entities.js';
import { marks, normalizeVersion, VERSION_COLUMNS } from './registry-rows.js';

/**
 * @module Turns registry rows into MLflow's JSON entities with their tags, aliases and latest
 * versions, in a fixed number of queries per page (no N+1).
 */

// Keeps IN lists far below SQLite's (32,766) and PostgreSQL's (65,535) parameter limits.
const CHUNK = 400;

export function versionJson(r: VersionRow, tags: KeyValue[], aliases: string[]): ModelVersion {
  const v: ModelVersion = {
    name: r.name,
    version: String(r.version),
    creation_timestamp: r.creation_timestamp,
    last_updated_timestamp: r.last_updated_timestamp,
    current_stage: r.current_stage,
    source: r.source,
    status: r.status,
    tags,
    aliases,
  };
  if (r.user_id) v.user_id = r.user_id;
  if (r.description !== null) v.description = r.description;
  if (r.run_id) v.run_id = r.run_id;
  if (r.status_message) v.status_message = r.status_message;
  if (r.run_link) v.run_link = r.run_link;
  if (r.model_id) v.model_id = r.model_id;
  return v;
}

/** Versions with their tags and aliases, in the order given. */
export async function loadVersions(ex: Executor, rows: VersionRow[]): Promise<ModelVersion[]> {
  const tags = new Map<string, KeyValue[]>();
  const aliases = new Map<string, string[]>();
  const keyOf = (model: number, version: number) => `${model}/${version}`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const cond = chunk.map(() => '(model = ? AND version = ?)').join(' OR ');
    const params = chunk.flatMap((r) => [r.model, r.version]);
    for (const t of await ex.all<{ model: number; version: number; key: string; value: string }>(
      `SELECT model, version, key, value FROM model_version_tags WHERE ${cond} ORDER BY key`, params,
    )) {
      const k = keyOf(Number(t.model), Number(t.version));
      if (!tags.has(k)) tags.set(k, []);
      tags.get(k)!.push({ key: t.key, value: t.value });
    }
    for (const a of await ex.all<{ model: number; version: number; alias: string }>(
      `SELECT model, version, alias FROM model_aliases WHERE ${cond} ORDER BY alias`, params,
    )) {
      const k = keyOf(Number(a.model), Number(a.version));
      if (!aliases.has(k)) aliases.set(k, []);
      aliases.get(k)!.push(a.alias);
    }
  }
  return rows.map((r) => versionJson(r, tags.get(keyOf(r.model, r.version)) ?? [], aliases.get(keyOf(r.model, r.version)) ?? []));
}

/** Registered models with tags, aliases and `latest_versions` (the newest version per stage). */
export async function loadModels(ex: Executor, rows: ModelRow[]): Promise<RegisteredModel[]> {
  const out = new Map<number, RegisteredModel>();
  for (const r of rows) {
    const m: RegisteredModel = {
      name: r.name,
      creation_timestamp: r.creation_timestamp,
      last_updated_timestamp: r.last_updated_timestamp,
      latest_versions: [],
      tags: [],
      aliases: [],
    };
    if (r.user_id) m.user_id = r.user_id;
    if (r.description !== null) m.description = r.description;
    out.set(r.id, m);
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    const ids = rows.slice(i, i + CHUNK).map((r) => r.id);
    for (const t of await ex.all<{ model: number; key: string; value: string }>(
      `SELECT model, key, value FROM registered_model_tags WHERE model IN (${marks(ids.length)}) ORDER BY key`, ids,
    )) out.get(Number(t.model))!.tags.push({ key: t.key, value: t.value });
    for (const a of await ex.all<{ model: number; alias: string; version: number }>(
      `SELECT model, alias, version FROM model_aliases WHERE model IN (${marks(ids.length)}) ORDER BY alias`, ids,
    )) out.get(Number(a.model))!.aliases.push({ alias: a.alias, version: String(a.version) });
    const latest = (await ex.all<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model
       WHERE v.model IN (${marks(ids.length)})
         AND v.version = (SELECT max(v2.version) FROM model_versions v2 WHERE v2.model = v.model AND v2.current_stage = v.current_stage)
       ORDER BY v.model, v.version`,
      ids,
    )).map(normalizeVersion);
    const loaded = await loadVersions(ex, latest);
    loaded.forEach((v, j) => out.get(latest[j]!.model)!.latest_versions.push(v));
  }
  return rows.map((r) => out.get(r.id)!);
}
