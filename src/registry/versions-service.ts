import { UNVERIFIED_SOURCE_TAG } from './version-source.js';
import { InvalidParameter, NotFound } from '../core/errors.js';
import type { Database, Executor, SqlValue } from '../store/index.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey } from '../tracking/index.js';
import { MODEL_VERSIONS_GRAMMAR, parseOrderBy } from '../tracking/index.js';
import { ACTIVE_STAGES, STAGES, type KeyValue, type ModelRow, type ModelVersion, type Stage, type VersionFile, type VersionRow } from './entities.js';
import type { EventSink } from './events.js';
import type { PolicyService } from './policy-service.js';
import { loadVersions } from './registry-loader.js';
import { modelRow, normalizeVersion, touchModel, VERSION_COLUMNS, versionRow } from './registry-rows.js';
import { modelVersionFilterSql } from './search-filter-sql.js';
import { moveStage } from './transitions.js';
import type { SourceResolver } from './version-source.js';
import { parseStage, parseVersion, REGISTRY_LIMITS, validateAlias, validateDescription, validateTag } from './validation.js';

export interface CreateVersionInput {
  name: string;
  source: string;
  runId?: string;
  modelId?: string;
  tags?: KeyValue[];
  runLink?: string;
  description?: string;
  userId?: string;
}

const ORDER_COLUMNS: Record<string, { expr: string; type: 'string' | 'number' }> = {
  name: { expr: 'm.name', type: 'string' },
  version_number: { expr: 'v.version', type: 'number' },
  creation_timestamp: { expr: 'v.creation_timestamp', type: 'number' },
  last_updated_timestamp: { expr: 'v.last_updated_timestamp', type: 'number' },
};

// Files are written in batches of this many rows per statement group.
const FILE_BATCH = 500;

/** Model versions (reference §3.3): numbering, stages, tags, search and their files. */
export class VersionsService {
  constructor(
    private readonly db: Database,
    private readonly events: EventSink,
    private readonly sources: SourceResolver,
    private readonly policy: PolicyService,
  ) {}

  /**
   * Registers a version: the source must exist; its files' digests are recorded; nothing is
   * copied. The number is the model's counter plus one, taken under the model's row lock, so
   * concurrent registrations get distinct numbers and a deleted number never comes back.
   */
  async create(input: CreateVersionInput): Promise<ModelVersion> {
    if (input.description) validateDescription(input.description);
    for (const t of input.tags ?? []) validateTag(t.key, t.value);
    await modelRow(this.db, input.name); // unknown model -> 404 before touching the source
    const resolved = await this.sources.resolve(input.source, input.runId);
    if (input.modelId && resolved.modelId && input.modelId !== resolved.modelId) {
      throw new InvalidParameter(`Parameter 'model_id' (${input.modelId}) does not match the logged model of source '${input.source}' (${resolved.modelId}).`);
    }
    const now = Date.now();
    const version = await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, input.name, true);
      const next = await tx.one<{ last_version: number }>(
        'UPDATE registered_models SET last_version = last_version + 1, last_updated_timestamp = ? WHERE id = ? RETURNING last_version', [now, m.id],
      );
      const n = Number(next!.last_version);
      await tx.run(
        `INSERT INTO model_versions (model, version, creation_timestamp, last_updated_timestamp, user_id, current_stage, description, source, run_id, run_link, status, status_message, model_id, storage_location)
         VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, ?, 'READY', NULL, ?, ?)`,
        [m.id, n, now, now, input.userId ?? null, input.description ?? null, input.source, resolved.runId ?? null, input.runLink ?? null,
          input.modelId ?? resolved.modelId ?? null, resolved.storage],
      );
      for (const t of input.tags ?? []) await upsertVersionTag(tx, m.id, n, t);
      if (resolved.unverified) await upsertVersionTag(tx, m.id, n, { key: UNVERIFIED_SOURCE_TAG, value: resolved.unverified });
      for (let i = 0; i < resolved.files.length; i += FILE_BATCH) {
        await tx.runMany(
          'INSERT INTO model_version_files (model, version, path, size, sha256) VALUES (?, ?, ?, ?, ?)',
          resolved.files.slice(i, i + FILE_BATCH).map((f) => [m.id, n, f.path, f.size, f.sha256]),
        );
      }
      await this.events.publish(tx, 'model_version.created', {
        name: m.name, version: String(n), source: input.source, run_id: resolved.runId ?? null, description: input.description ?? null,
        tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
      });
      return n;
    });
    this.events.wake();
    return this.get(input.name, String(version));
  }

  async row(name: string, version: string, ex: Executor = this.db, lock = false): Promise<{ m: ModelRow; v: VersionRow }> {
    const n = parseVersion(version);
    const m = await modelRow(ex, name, lock);
    return { m, v: await versionRow(ex, m, n, lock) };
  }

  async get(name: string, version: string): Promise<ModelVersion> {
    const { v } = await this.row(name, version);
    return (await loadVersions(this.db, [v]))[0]!;
  }

  /**
   * A version by reference: `@alias`, `latest`, `v3` or `3`. An unknown alias is a 404 (MLflow
   * answers 400, reference §7 #6).
   */
  async resolveRef(name: string, ref: string, ex: Executor = this.db): Promise<{ m: ModelRow; v: VersionRow }> {
    const m = await modelRow(ex, name);
    if (ref.startsWith('@')) {
      const alias = ref.slice(1);
      validateAlias(alias);
      const a = await ex.one<{ version: number }>('SELECT version FROM model_aliases WHERE model = ? AND alias = ?', [m.id, alias]);
      if (!a) throw new NotFound(`Registered model alias ${alias} not found on model '${name}'.`);
      return { m, v: await versionRow(ex, m, Number(a.version)) };
    }
    if (ref.toLowerCase() === 'latest') {
      const r = await ex.one<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model WHERE v.model = ? ORDER BY v.version DESC LIMIT 1`, [m.id]);
      if (!r) throw new NotFound(`Registered model '${name}' has no versions.`);
      return { m, v: normalizeVersion(r) };
    }
    return { m, v: await versionRow(ex, m, parseVersion(ref.replace(/^v/i, ''))) };
  }

  async update(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    if (description !== undefined) validateDescription(description);
    await this.db.transaction(async (tx) => {
      const { m, v } = await this.row(name, version, tx);
      const now = Date.now();
      if (description !== undefined) await tx.run('UPDATE model_versions SET description = ? WHERE model = ? AND version = ?', [description, m.id, v.version]);
      await tx.run('UPDATE model_versions SET last_updated_timestamp = ? WHERE model = ? AND version = ?', [now, m.id, v.version]);
      await touchModel(tx, m.id, now);
    });
    return this.get(name, version);
  }

  /** Deletes the version, its tags, files and the aliases that pointed at it; its number is not reused. */
  async delete(name: string, version: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { m, v } = await this.row(name, version, tx, true);
      await tx.run('DELETE FROM model_versions WHERE model = ? AND version = ?', [m.id, v.version]);
      await touchModel(tx, m.id, Date.now());
    });
  }

  /** MLflow's transition-stage, subject to the model's promotion policy. */
  async transitionStage(name: string, version: string, stageName: string, archiveExisting: boolean, actor?: string): Promise<ModelVersion> {
    const stage = parseStage(stageName);
    if (archiveExisting && !ACTIVE_STAGES.includes(stage)) {
      throw new InvalidParameter(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}.`);
    }
    const { m, v } = await this.row(name, version);
    const gates = await this.policy.checkDirect(m, v, stage);
    await this.db.transaction(async (tx) => {
      const { m: lm, v: lv } = await this.row(name, version, tx, true);
      await moveStage(tx, this.events, lm, lv, stage, archiveExisting, { actor, ...(gates.length ? { details: { gates } } : {}) });
    });
    this.events.wake();
    return this.get(name, version);
  }

  async setTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateTag(key, value);
    await this.db.transaction(async (tx) => {
      const { m, v } = await this.row(name, version, tx);
      await upsertVersionTag(tx, m.id, v.version, { key, value });
      await this.events.publish(tx, 'model_version_tag.set', { name: m.name, version: String(v.version), key, value });
    });
    this.events.wake();
  }

  /** A missing tag is a 404, for registered models and versions alike (reference §7 #6). */
  async deleteTag(name: string, version: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { m, v } = await this.row(name, version, tx);
      const res = await tx.run('DELETE FROM model_version_tags WHERE model = ? AND version = ? AND key = ?', [m.id, v.version, key]);
      if (!res.changes) throw new NotFound(`No tag with key '${key}' on version ${v.version} of registered model '${name}'.`);
      await this.events.publish(tx, 'model_version_tag.deleted', { name: m.name, version: String(v.version), key });
    });
    this.events.wake();
  }

  /** The newest version in each requested stage (all stages when none are named). */
  async latestVersions(name: string, stages: string[] | undefined): Promise<ModelVersion[]> {
    const wanted: Stage[] = stages?.length ? stages.map((s, i) => parseStage(s, `stages[${i}]`)) : [...STAGES];
    const m = await modelRow(this.db, name);
    const rows = (await this.db.all<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model
       WHERE v.model = ? AND v.current_stage IN (${wanted.map(() => '?').join(', ')})
         AND v.version = (SELECT max(v2.version) FROM model_versions v2 WHERE v2.model = v.model AND v2.current_stage = v.current_stage)
       ORDER BY v.version`,
      [m.id, ...wanted],
    )).map(normalizeVersion);
    return loadVersions(this.db, rows);
  }

  async downloadUri(name: string, version: string): Promise<string> {
    return (await this.row(name, version)).v.storage_location;
  }

  /** The files and digests recorded at registration, by path. */
  async files(name: string, version: string): Promise<{ storage: string; files: VersionFile[] }> {
    const { m, v } = await this.row(name, version);
    const files = await this.db.all<VersionFile>('SELECT path, size, sha256 FROM model_version_files WHERE model = ? AND version = ? ORDER BY path', [m.id, v.version]);
    return { storage: v.storage_location, files: files.map((f) => ({ path: f.path, size: Number(f.size), sha256: f.sha256 })) };
  }

  /** MLflow's filter and order_by over versions, with keyset page tokens. */
  async search(opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string; runIds?: string[] }) {
    const max = opts.maxResults ?? REGISTRY_LIMITS.searchVersionsDefault;
    if (max < 1 || max > REGISTRY_LIMITS.searchVersionsMax) {
      throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results' supplied. It must be between 1 and ${REGISTRY_LIMITS.searchVersionsMax}.`);
    }
    const { where, params } = modelVersionFilterSql(opts.filter, this.db.dialect);
    const allParams: SqlValue[] = [...params];
    if (opts.runIds) {
      where.push(opts.runIds.length ? `v.run_id IN (${opts.runIds.map(() => '?').join(', ')})` : '1 = 0');
      allParams.push(...opts.runIds);
    }
    const keys: SortKey[] = parseOrderBy(opts.orderBy, MODEL_VERSIONS_GRAMMAR).map((t) => {
      const col = ORDER_COLUMNS[t.key];
      if (!col) throw new InvalidParameter(`Invalid order_by key '${t.key}' for model versions: use name, version_number, creation_timestamp or last_updated_timestamp.`);
      return { expr: col.expr, ascending: t.ascending, type: col.type };
    });
    // MLflow's default order: name ascending, newest version first. (name, version) is unique.
    if (!keys.some((k) => k.expr === 'm.name')) keys.push({ expr: 'm.name', ascending: true, type: 'string' });
    if (!keys.some((k) => k.expr === 'v.version')) keys.push({ expr: 'v.version', ascending: false, type: 'number' });
    const fp = queryFingerprint(['model-versions', opts.filter ?? '', opts.orderBy ?? [], opts.runIds ?? null]);
    const pos = decodePageToken(opts.pageToken, fp);
    if (pos) {
      const after = afterPosition(keys, pos);
      where.push(after.sql);
      allParams.push(...after.params);
    }
    const rows = await this.db.all<VersionRow & Record<string, unknown>>(
      `SELECT ${VERSION_COLUMNS}, ${positionColumns(keys)} FROM model_versions v JOIN registered_models m ON m.id = v.model
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderByClause(keys)} LIMIT ?`,
      [...allParams, max + 1],
    );
    const page = rows.slice(0, max);
    const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
    return { model_versions: await loadVersions(this.db, page.map((r) => normalizeVersion(r))), ...(next ? { next_page_token: next } : {}) };
  }
}

async function upsertVersionTag(tx: Executor, model: number, version: number, t: KeyValue): Promise<void> {
  await tx.run(
    'INSERT INTO model_version_tags (model, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (model, version, key) DO UPDATE SET value = excluded.value',
    [model, version, t.key, t.value],
  );
}
