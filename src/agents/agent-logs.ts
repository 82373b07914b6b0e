/**
 * @module Task logs an agent streams, kept in the store (agent_task_logs, migration 005) so any
 * server process, replica or an embedded CLI driving the run can read them. Only the newest
 * KEPT_LOG_BYTES of each (item, attempt) are kept while the task runs (a step printing 100 MB costs
 * the store 1 MB), and none once its follower has read the end.
 */
import type { Database, Executor } from '../store/index.js';
import { KEPT_LOG_BYTES, type LogLine } from './protocol.js';

export interface LogChunk {
  attempt: number;
  seq: number;
  lines: LogLine[];
}

export async function appendLog(db: Database, itemId: number, attempt: number, lines: LogLine[]): Promise<{ keptBytes: number }> {
  if (!lines.length) return { keptBytes: 0 };
  const data = JSON.stringify(lines);
  const bytes = Buffer.byteLength(data);
  return db.transaction(async (tx) => {
    const st = await tx.one<{ total_bytes: number; kept_bytes: number; next_seq: number }>(
      `SELECT total_bytes, kept_bytes, next_seq FROM agent_task_log_state WHERE item_id = ? AND attempt = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
      [itemId, attempt],
    );
    const seq = st ? Number(st.next_seq) : 0;
    const total = st ? Number(st.total_bytes) : 0;
    let kept = (st ? Number(st.kept_bytes) : 0) + bytes;
    await tx.run('INSERT INTO agent_task_logs (item_id, attempt, seq, byte_offset, data) VALUES (?, ?, ?, ?, ?)', [itemId, attempt, seq, total, data]);
    kept = await trim(tx, itemId, attempt, kept);
    if (st) await tx.run('UPDATE agent_task_log_state SET total_bytes = ?, kept_bytes = ?, next_seq = ? WHERE item_id = ? AND attempt = ?', [total + bytes, kept, seq + 1, itemId, attempt]);
    else await tx.run('INSERT INTO agent_task_log_state (item_id, attempt, total_bytes, kept_bytes, next_seq) VALUES (?, ?, ?, ?, ?)', [itemId, attempt, bytes, kept, 1]);
    return { keptBytes: kept };
  });
}

/** Drops the oldest chunks until what is kept fits (the newest chunk always stays). */
async function trim(tx: Executor, itemId: number, attempt: number, kept: number): Promise<number> {
  while (kept > KEPT_LOG_BYTES) {
    const oldest = await tx.one<{ seq: number; data: string }>('SELECT seq, data FROM agent_task_logs WHERE item_id = ? AND attempt = ? ORDER BY seq LIMIT 1', [itemId, attempt]);
    const count = await tx.one<{ n: number }>('SELECT COUNT(*) AS n FROM agent_task_logs WHERE item_id = ? AND attempt = ?', [itemId, attempt]);
    if (!oldest || Number(count?.n ?? 0) <= 1) break;
    await tx.run('DELETE FROM agent_task_logs WHERE item_id = ? AND attempt = ? AND seq = ?', [itemId, attempt, oldest.seq]);
    kept -= Buffer.byteLength(oldest.data);
  }
  return kept;
}

/** Chunks after a cursor (attempt, seq), oldest first. */
export async function readLog(db: Database, itemId: number, after: { attempt: number; seq: number } = { attempt: 0, seq: -1 }, limit = 200): Promise<LogChunk[]> {
  const rows = await db.all<{ attempt: number; seq: number; data: string }>(
    'SELECT attempt, seq, data FROM agent_task_logs WHERE item_id = ? AND (attempt > ? OR (attempt = ? AND seq > ?)) ORDER BY attempt, seq LIMIT ?',
    [itemId, after.attempt, after.attempt, after.seq, limit],
  );
  return rows.map((r) => ({ attempt: Number(r.attempt), seq: Number(r.seq), lines: JSON.parse(r.data) as LogLine[] }));
}

/** Forgets an item's log once its follower has read it all (the step's own log file has it). */
export async function dropLog(db: Database, itemId: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('DELETE FROM agent_task_logs WHERE item_id = ?', [itemId]);
    await tx.run('DELETE FROM agent_task_log_state WHERE item_id = ?', [itemId]);
  });
}
