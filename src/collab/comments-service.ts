import { InvalidParameter, NotFound } from '../core/errors.js';
import type { Database } from '../store/index.js';
import type { Tracking } from '../tracking/index.js';

export interface Comment {
  id: string;
  run_id: string;
  author: string;
  body: string;
  created_at: number;
}

/** Long enough for a paragraph with a table pasted in; longer belongs in the run's note. */
export const COMMENT_MAX_CHARS = 10_000;

interface Row {
  id: number;
  run_uuid: string;
  author: string;
  body: string;
  created_at: number;
}

const toComment = (r: Row): Comment => ({ id: String(r.id), run_id: r.run_uuid, author: r.author, body: r.body, created_at: Number(r.created_at) });

/** Comments on a run: a thread in time order; an author deletes only their own. */
export class CommentsService {
  constructor(private readonly db: Database, private readonly tracking: Tracking) {}

  async list(runId: string): Promise<Comment[]> {
    await this.tracking.runs.row(this.db, runId); // unknown run -> 404
    const rows = await this.db.all<Row>('SELECT id, run_uuid, author, body, created_at FROM run_comments WHERE run_uuid = ? ORDER BY created_at, id', [runId]);
    return rows.map(toComment);
  }

  async add(runId: string, author: string, body: string): Promise<Comment> {
    const text = body.trim();
    if (!text) throw new InvalidParameter(`Parameter 'body' must not be empty.`);
    if (text.length > COMMENT_MAX_CHARS) throw new InvalidParameter(`Parameter 'body' may hold at most ${COMMENT_MAX_CHARS} characters, got ${text.length}.`);
    return this.db.transaction(async (tx) => {
      await this.tracking.runs.row(tx, runId);
      const now = Date.now();
      await tx.run('INSERT INTO run_comments (run_uuid, author, body, created_at) VALUES (?, ?, ?, ?)', [runId, author, text, now]);
      const row = await tx.one<Row>('SELECT id, run_uuid, author, body, created_at FROM run_comments WHERE run_uuid = ? AND author = ? ORDER BY id DESC LIMIT 1', [runId, author]);
      return toComment(row!);
    });
  }

  async delete(runId: string, id: string, actor: string): Promise<void> {
    if (!/^\d+$/.test(id)) throw new InvalidParameter(`Invalid comment id '${id}': expected digits.`);
    const row = await this.db.one<Row>('SELECT id, run_uuid, author, body, created_at FROM run_comments WHERE id = ? AND run_uuid = ?', [Number(id), runId]);
    if (!row) throw new NotFound(`Comment ${id} on run ${runId} does not exist.`);
    if (row.author !== actor) throw new InvalidParameter(`Comment ${id} was written by ${row.author}; only its author can delete it.`);
    await this.db.run('DELETE FROM run_comments WHERE id = ?', [Number(id)]);
  }
}
