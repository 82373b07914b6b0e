import type { Dialect, SqlValue } from '../store/index.js';
import type { Comparison } from './search/index.js';

/**
 * @module SQL for one parsed comparison on one column, in either dialect. LIKE is case-sensitive
 * on both (SQLite runs with case_sensitive_like=ON), ILIKE is native on PostgreSQL and lower()
 * LIKE lower() on SQLite.
 */
export interface SqlPart {
  sql: string;
  params: SqlValue[];
}

export function compareColumn(col: string, c: Comparison, dialect: Dialect): SqlPart {
  switch (c.kind) {
    case 'number':
      return { sql: `${col} ${c.op} ?`, params: [c.value] };
    case 'string':
      if (c.op === 'ILIKE') {
        return dialect === 'postgres' ? { sql: `${col} ILIKE ?`, params: [c.value] } : { sql: `lower(${col}) LIKE lower(?)`, params: [c.value] };
      }
      return { sql: `${col} ${c.op} ?`, params: [c.value] };
    case 'list':
      return { sql: `${col} ${c.op} (${c.value.map(() => '?').join(', ')})`, params: [...c.value] };
    case 'null':
      return { sql: `${col} ${c.op}`, params: [] };
  }
}
