import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '../store/index.js';
import type { User } from './auth-store.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How long a browser session lives without signing in again (a working week). */
export const SESSION_TTL_MS = 7 * 86_400_000;

export interface Session {
  id: string;
  user: User;
  csrfToken: string;
  expiresAt: number;
}

/** Constant-time comparison of a client's CSRF header with the session's token. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Browser sessions: the secret goes in an HttpOnly cookie, the store keeps only its hash. */
export class SessionStore {
  constructor(readonly db: Database, private readonly ttlMs = SESSION_TTL_MS) {}

  async create(user: User): Promise<{ secret: string; session: Session }> {
    const secret = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const id = randomUUID();
    const now = Date.now();
    const expiresAt = now + this.ttlMs;
    await this.db.run('INSERT INTO auth_sessions (id, user_id, secret_hash, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [id, user.id, sha256(secret), csrfToken, now, expiresAt]);
    return { secret, session: { id, user, csrfToken, expiresAt } };
  }

  /** The live session a cookie secret names, else undefined (expired, revoked, unknown). */
  async check(secret: string): Promise<Session | undefined> {
    const row = await this.db.one<{ sid: string; csrf_token: string; expires_at: number; revoked_at: number | null; last_used_at: number | null; id: number; username: string; is_admin: number }>(
      `SELECT s.id AS sid, s.csrf_token, s.expires_at, s.revoked_at, s.last_used_at, u.id, u.username, u.is_admin
       FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id WHERE s.secret_hash = ?`, [sha256(secret)]);
    const now = Date.now();
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= now) return undefined;
    // Last use is kept to the minute: one write per minute per session, not one per request.
    if (row.last_used_at === null || now - Number(row.last_used_at) > 60_000) await this.db.run('UPDATE auth_sessions SET last_used_at = ? WHERE id = ?', [now, row.sid]);
    return { id: row.sid, user: { id: Number(row.id), username: row.username, is_admin: Boolean(Number(row.is_admin)) }, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
  }

  async revoke(id: string): Promise<void> {
    await this.db.run('UPDATE auth_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [Date.now(), id]);
  }

  /** Ends every session of a user (a password change or deletion signs them out everywhere). */
  async revokeAll(userId: number): Promise<void> {
    await this.db.run('UPDATE auth_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [Date.now(), userId]);
  }
}
