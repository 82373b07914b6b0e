import { InvalidParameter } from '../core/errors.js';
import type { Dialect, SqlValue } from '../store/index.js';
// The search grammar and the comparison->SQL helper are the tracking slice's shared search
// toolkit (they have their own index); the registry reuses them rather than re-parsing.
import { MODEL_VERSIONS_GRAMMAR, parseFilter, REGISTERED_MODELS_GRAMMAR, type Comparison } from '../tracking/index.js';
import { compareColumn } from '../tracking/index.js';

export interface WhereParts {
  where: string[];
  params: SqlValue[];
}

function tagCondition(c: Comparison, tagTable: string, join: string, dialect: Dialect): { sql: string; params: SqlValue[] } {
  if (c.kind === 'null') {
    return { sql: `${c.op === 'IS NULL' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${tagTable} t WHERE ${join} AND t.key = ?)`, params: [c.key] };
  }
  const cmp = compareColumn('t.value', c, dialect);
  return { sql: `EXISTS (SELECT 1 FROM ${tagTable} t WHERE ${join} AND t.key = ? AND ${cmp.sql})`, params: [c.key, ...cmp.params] };
}

/** WHERE terms (over alias `m`) for registered-models/search: `name` and `tags.<key>`. */
export function registeredModelFilterSql(filter: string | undefined, dialect: Dialect): WhereParts {
  const out: WhereParts = { where: [], params: [] };
  for (const c of parseFilter(filter, REGISTERED_MODELS_GRAMMAR)) {
    const part = c.entity === 'tag'
      ? tagCondition(c, 'registered_model_tags', 't.model = m.id', dialect)
      : c.entity === 'attribute' && c.key === 'name'
        ? compareColumn('m.name', c, dialect)
        : undefined;
    if (!part) throw new InvalidParameter(`Invalid filter key '${c.key}' for registered models: use name or tags.<key>.`);
    out.where.push(part.sql);
    out.params.push(...part.params);
  }
  return out;
}

const VERSION_ATTRIBUTES: Record<string, string> = {
  name: 'm.name',
  version_number: 'v.version',
  run_id: 'v.run_id',
  source_path: 'v.source',
};

/** WHERE terms (over aliases `v` and `m`) for model-versions/search. */
export function modelVersionFilterSql(filter: string | undefined, dialect: Dialect): WhereParts {
  const out: WhereParts = { where: [], params: [] };
  for (const c of parseFilter(filter, MODEL_VERSIONS_GRAMMAR)) {
    let part: { sql: string; params: SqlValue[] } | undefined;
    if (c.entity === 'tag') part = tagCondition(c, 'model_version_tags', 't.model = v.model AND t.version = v.version', dialect);
    else if (c.entity === 'attribute' && VERSION_ATTRIBUTES[c.key]) part = compareColumn(VERSION_ATTRIBUTES[c.key]!, c, dialect);
    if (!part) throw new InvalidParameter(`Invalid filter key '${c.key}' for model versions: use name, version_number, run_id, source_path or tags.<key>.`);
    out.where.push(part.sql);
    out.params.push(...part.params);
  }
  return out;
}
