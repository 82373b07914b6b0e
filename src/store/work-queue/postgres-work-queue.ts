import { ITEM_COLUMNS } from './work-item-row.js';
import { SqlWorkQueue } from './sql-work-queue.js';

/**
 * PostgreSQL: claimers run concurrently on pooled connections. FOR UPDATE SKIP LOCKED makes each
 * take rows no other open claim holds, instead of blocking on the first row and then finding it
 * taken (which, under READ COMMITTED, would make the loser claim nothing).
 */
export class PostgresWorkQueue extends SqlWorkQueue {
  protected claimStatement(): string {
    return CLAIM;
  }
}

const CLAIM = `UPDATE work_items SET state = 'leased', worker = ?, lease_token = ?, lease_expires_at = ?, attempts = attempts + 1, cancel_requested = 0, updated_at = ?
WHERE id IN (SELECT id FROM work_items WHERE queue = ? AND state = 'queued' AND ready_at <= ? ORDER BY priority DESC, ready_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
RETURNING ${ITEM_COLUMNS}`;
