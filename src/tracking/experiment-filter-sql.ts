import { InvalidParameter } from '../core/errors.js';
import type { Dialect, SqlValue } from '../store/index.js';
import { EXPERIMENTS_GRAMMAR, parseFilter } from './search/index.js';
import { compareColumn } from './sql-compare.js';

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'e.name',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
  experiment_id: 'e.experiment_id',
};

/** WHERE terms (over alias `e`) for an experiments search filter. */
export function experimentFilterSql(filter: string | undefined, dialect: Dialect): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  for (const c of parseFilter(filter, EXPERIMENTS_GRAMMAR)) {
    if (c.entity === 'tag') {
      if (c.kind === 'null') {
        where.push(`${c.op === 'IS NULL' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)`);
        params.push(c.key);
        continue;
      }
      const cmp = compareColumn('t.value', c, dialect);
      where.push(`EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ${cmp.sql})`);
      params.push(c.key, ...cmp.params);
    } else if (c.entity === 'attribute' && ATTRIBUTE_COLUMNS[c.key]) {
      const cmp = compareColumn(ATTRIBUTE_COLUMNS[c.key]!, c, dialect);
      where.push(cmp.sql);
      params.push(...cmp.params);
    } else {
      throw new InvalidParameter(`Invalid filter key '${c.key}' for experiments: use name, creation_time, last_update_time or tags.<key>.`);
    }
  }
  return { where, params };
}
