import { ITEM_COLUMNS } from './work-item-row.js';
import { SqlWorkQueue } from './sql-work-queue.js';

/**
 * SQLite: every transaction goes through the database's one writer, so the subquery's rows cannot
 * be taken by another claimer between the SELECT and the UPDATE.
 */
export class SqliteWorkQueue extends SqlWorkQueue {
  protected claimStatement(): string {
    return CLAIM;
  }
}

const CLAIM = `UPDATE work_items SET state = 'leased', worker = ?, lease_token = ?, lease_expires_at = ?, attempts = attempts + 1, cancel_requested = 0, updated_at = ?
WHERE id IN (SELECT id FROM work_items WHERE queue = ? AND state = 'queued' AND ready_at <= ? ORDER BY priority DESC, ready_at, id LIMIT ?)
RETURNING ${ITEM_COLUMNS}`;
