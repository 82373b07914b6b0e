import { AlreadyExists, InvalidParameter, NotFound } from '../core/errors.js';
import type { Database, Executor, SqlValue } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey } from '../tracking/index.js';
import { parseOrderBy, REGISTERED_MODELS_GRAMMAR } from '../tracking/index.js';
import type { KeyValue, ModelRow, RegisteredModel } from './entities.js';
import type { EventSink } from './events.js';
import { loadModels } from './registry-loader.js';
import { modelRow, normalizeModel, touchModel } from './registry-rows.js';
import { registeredModelFilterSql } from './search-filter-sql.js';
import { REGISTRY_LIMITS, validateDescription, validateModelName, validateTag } from './validation.js';

export interface CreateModelInput {
  name: string;
  description?: string;
  tags?: KeyValue[];
  userId?: string;
}

const ORDER_COLUMNS: Record<string, { expr: string; type: 'string' | 'number' }> = {
  name: { expr: 'm.name', type: 'string' },
  creation_timestamp: { expr: 'm.creation_timestamp', type: 'number' },
  last_updated_timestamp: { expr: 'm.last_updated_timestamp', type: 'number' },
};

/** Registered models (reference §3.3) with MLflow's rules. */
export class ModelsService {
  constructor(
    private readonly db: Database,
    private readonly events: EventSink,
  ) {}

  async create(input: CreateModelInput): Promise<RegisteredModel> {
    validateModelName(input.name);
    if (input.description) validateDescription(input.description);
    const tags = input.tags ?? [];
    for (const t of tags) validateTag(t.key, t.value);
    const now = Date.now();
    try {
      await this.db.transaction(async (tx) => {
        const row = await tx.one<{ id: number }>(
          'INSERT INTO registered_models (name, creation_timestamp, last_updated_timestamp, description, user_id, last_version) VALUES (?, ?, ?, ?, ?, 0) RETURNING id',
          [input.name, now, now, input.description ?? null, input.userId ?? null],
        );
        for (const t of tags) await upsertModelTag(tx, Number(row!.id), t);
        await this.events.publish(tx, 'registered_model.created', { name: input.name, tags: Object.fromEntries(tags.map((t) => [t.key, t.value])), description: input.description ?? null });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Registered Model (name=${input.name}) already exists.`);
      throw e;
    }
    this.events.wake();
    return this.get(input.name);
  }

  async get(name: string, ex: Executor = this.db): Promise<RegisteredModel> {
    return (await loadModels(ex, [await modelRow(ex, name)]))[0]!;
  }

  async rename(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(newName, 'new_name');
    try {
      await this.db.transaction(async (tx) => {
        const m = await modelRow(tx, name, true);
        await tx.run('UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE id = ?', [newName, Date.now(), m.id]);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Registered Model (name=${newName}) already exists.`);
      throw e;
    }
    return this.get(newName);
  }

  /** Sets the description; an absent description leaves it as it is. */
  async update(name: string, description: string | undefined): Promise<RegisteredModel> {
    if (description !== undefined) validateDescription(description);
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name);
      if (description !== undefined) await tx.run('UPDATE registered_models SET description = ? WHERE id = ?', [description, m.id]);
      await touchModel(tx, m.id, Date.now());
    });
    return this.get(name);
  }

  /** Deletes the model with its versions, aliases, tags and pending promotions (the audit log stays). */
  async delete(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name, true);
      await tx.run('DELETE FROM registered_models WHERE id = ?', [m.id]);
    });
  }

  async setTag(name: string, key: string, value: string): Promise<void> {
    validateTag(key, value);
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name);
      await upsertModelTag(tx, m.id, { key, value });
      await touchModel(tx, m.id, Date.now());
    });
  }

  /** A missing tag is a 404, as for runs (MLflow answers 200 here, reference §7 #6). */
  async deleteTag(name: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name);
      const res = await tx.run('DELETE FROM registered_model_tags WHERE model = ? AND key = ?', [m.id, key]);
      if (!res.changes) throw new NotFound(`No tag with key '${key}' on registered model '${name}'.`);
      await touchModel(tx, m.id, Date.now());
    });
  }

  /** MLflow's filter and order_by, with keyset page tokens (reference §7 #9). */
  async search(opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }) {
    const max = opts.maxResults ?? REGISTRY_LIMITS.searchModelsDefault;
    if (max < 1 || max > REGISTRY_LIMITS.searchModelsMax) {
      throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results' supplied. It must be between 1 and ${REGISTRY_LIMITS.searchModelsMax}.`);
    }
    const { where, params } = registeredModelFilterSql(opts.filter, this.db.dialect);
    const keys: SortKey[] = parseOrderBy(opts.orderBy, REGISTERED_MODELS_GRAMMAR).map((t) => {
      const col = ORDER_COLUMNS[t.key];
      if (!col) throw new InvalidParameter(`Invalid order_by key '${t.key}' for registered models: use name, creation_timestamp or last_updated_timestamp.`);
      return { expr: col.expr, ascending: t.ascending, type: col.type };
    });
    if (!keys.some((k) => k.expr === 'm.name')) keys.push({ expr: 'm.name', ascending: true, type: 'string' });
    const fp = queryFingerprint(['registered-models', opts.filter ?? '', opts.orderBy ?? []]);
    const pos = decodePageToken(opts.pageToken, fp);
    const allParams: SqlValue[] = [...params];
    if (pos) {
      const after = afterPosition(keys, pos);
      where.push(after.sql);
      allParams.push(...after.params);
    }
    const rows = await this.db.all<ModelRow & Record<string, unknown>>(
      `SELECT m.*, ${positionColumns(keys)} FROM registered_models m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderByClause(keys)} LIMIT ?`,
      [...allParams, max + 1],
    );
    const page = rows.slice(0, max);
    const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
    const models = await loadModels(this.db, page.map((r) => normalizeModel(r)));
    return { registered_models: models, ...(next ? { next_page_token: next } : {}) };
  }
}

async function upsertModelTag(tx: Executor, model: number, t: KeyValue): Promise<void> {
  await tx.run(
    'INSERT INTO registered_model_tags (model, key, value) VALUES (?, ?, ?) ON CONFLICT (model, key) DO UPDATE SET value = excluded.value',
    [model, t.key, t.value],
  );
}
