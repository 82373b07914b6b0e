import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AlreadyExists, InvalidParameter, NotFound } from '../core/errors.js';
import type { PermissionLevel } from '../core/route.js';
import { isUniqueViolation, type Database } from '../store/index.js';
import { hashPassword, verifyPassword } from './password.js';

export interface User {
  id: number;
  username: string;
  is_admin: boolean;
}

export type StoredPermission = PermissionLevel | 'NO_PERMISSIONS';
export const PERMISSIONS: readonly StoredPermission[] = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const toUser = (r: { id: number; username: string; is_admin: number | boolean }): User => ({ id: Number(r.id), username: r.username, is_admin: Boolean(Number(r.is_admin)) });

/** A token's or credential's last use is kept to the minute: one write a minute, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Basic credentials remembered as verified (see checkRequestPassword); the oldest goes first past this. */
const MAX_VERIFIED = 1_000;

/** Users, API tokens and permission grants, on either dialect. */
export class AuthStore {
  /** HMAC(credential) -> the password hash it was verified against, this process only. */
  private readonly verified = new Map<string, string>();
  private readonly verifiedKey = randomBytes(32);

  constructor(readonly db: Database) {}

  async createUser(username: string, password: string, isAdmin = false): Promise<User> {
    if (!/^[\w.@+-]{1,255}$/.test(username)) throw new InvalidParameter(`Invalid value for parameter 'username': use 1-255 letters, digits or . @ + - _`);
    if (password.length < 8) throw new InvalidParameter(`Invalid value for parameter 'password': it must be at least 8 characters.`);
    const hash = await hashPassword(password);
    try {
      await this.db.run('INSERT INTO auth_users (username, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?)', [username, hash, isAdmin ? 1 : 0, Date.now()]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`User '${username}' already exists.`);
      throw e;
    }
    return (await this.user(username))!;
  }

  async user(username: string): Promise<User | undefined> {
    const row = await this.db.one<{ id: number; username: string; is_admin: number }>('SELECT id, username, is_admin FROM auth_users WHERE username = ?', [username]);
    return row ? toUser(row) : undefined;
  }

  /** Every user with the teams they belong to, by name (the admin page's list). */
  async listUsers(): Promise<(User & { teams: string[] })[]> {
    const rows = await this.db.all<{ id: number; username: string; is_admin: number; team: string | null }>(
      'SELECT u.id, u.username, u.is_admin, t.name AS team FROM auth_users u LEFT JOIN auth_team_members m ON m.user_id = u.id LEFT JOIN auth_teams t ON t.id = m.team_id ORDER BY u.username, t.name');
    const out = new Map<string, User & { teams: string[] }>();
    for (const r of rows) {
      if (!out.has(r.username)) out.set(r.username, { ...toUser(r), teams: [] });
      if (r.team) out.get(r.username)!.teams.push(r.team);
    }
    return [...out.values()];
  }

  async countUsers(): Promise<number> {
    return Number((await this.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM auth_users'))!.n);
  }

  /** The user when the password matches, else undefined (same answer for an unknown user). */
  async checkPassword(username: string, password: string): Promise<User | undefined> {
    const row = await this.db.one<{ id: number; username: string; is_admin: number; password_hash: string }>(
      'SELECT id, username, is_admin, password_hash FROM auth_users WHERE username = ?', [username]);
    if (!row) return undefined;
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined;
  }

  /**
   * checkPassword for a credential sent with every request (HTTP Basic, as MLflow's clients send
   * MLFLOW_TRACKING_USERNAME/PASSWORD): scrypt (~50 ms of CPU) runs once per credential, and later
   * requests check that the user's stored hash is still the one the credential was verified
   * against. The user row is read on every request as before, so a changed password (a new salted
   * hash), a deleted user or a changed admin flag counts from the next request, on this server or
   * any other on the same database. Only successes are remembered, by an HMAC under a key of this
   * process, never the password.
   */
  async checkRequestPassword(username: string, password: string): Promise<User | undefined> {
    const row = await this.db.one<{ id: number; username: string; is_admin: number; password_hash: string }>(
      'SELECT id, username, is_admin, password_hash FROM auth_users WHERE username = ?', [username]);
    if (!row) return undefined;
    const key = createHmac('sha256', this.verifiedKey).update(`${username.length}:${username}:${password}`).digest('base64');
    if (this.verified.get(key) === row.password_hash) return toUser(row);
    if (!(await verifyPassword(password, row.password_hash))) return undefined;
    if (this.verified.size >= MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, row.password_hash);
    return toUser(row);
  }

  /** A new personal API token; the secret is returned once and only its hash is kept. */
  async createToken(userId: number, name: string, ttlDays?: number): Promise<{ id: string; token: string; expires_at: number | null }> {
    const token = `ty_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const expiresAt = ttlDays ? Date.now() + ttlDays * 86_400_000 : null;
    await this.db.run('INSERT INTO auth_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [id, userId, name, sha256(token), Date.now(), expiresAt]);
    return { id, token, expires_at: expiresAt };
  }

  /**
   * The user a live token belongs to (read on every request, so a revoke counts at once); records
   * its last use to the minute. Writing it on every request made each request with a token a
   * write transaction of its own: one more commit (a WAL flush on PostgreSQL) per request.
   */
  async checkToken(token: string): Promise<User | undefined> {
    const row = await this.db.one<{ tid: string; id: number; username: string; is_admin: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null }>(
      'SELECT t.id AS tid, u.id, u.username, u.is_admin, t.expires_at, t.revoked_at, t.last_used_at FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id WHERE t.token_hash = ?', [sha256(token)]);
    const now = Date.now();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) < now)) return undefined;
    if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      await this.db.run('UPDATE auth_tokens SET last_used_at = ? WHERE id = ?', [now, row.tid]);
    }
    return toUser(row);
  }

  async listTokens(userId: number) {
    return this.db.all('SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM auth_tokens WHERE user_id = ? ORDER BY created_at', [userId]);
  }

  async revokeToken(userId: number, id: string): Promise<void> {
    const res = await this.db.run('UPDATE auth_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL', [Date.now(), id, userId]);
    if (!res.changes) throw new NotFound(`No live token '${id}'.`);
  }

  async grant(kind: string, resourceId: string, userId: number, permission: StoredPermission): Promise<void> {
    if (!PERMISSIONS.includes(permission)) throw new InvalidParameter(`Invalid value for parameter 'permission': expected one of ${PERMISSIONS.join(', ')}`);
    await this.db.run(
      `INSERT INTO auth_permissions (resource_kind, resource_id, principal_kind, principal_id, permission) VALUES (?, ?, 'user', ?, ?)
       ON CONFLICT (resource_kind, resource_id, principal_kind, principal_id) DO UPDATE SET permission = excluded.permission`,
      [kind, resourceId, userId, permission]);
  }

  /** Drops every grant (users' and teams') on a resource, then grants one user `permission`. */
  async resetGrants(kind: string, resourceId: string, userId: number, permission: StoredPermission): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM auth_permissions WHERE resource_kind = ? AND resource_id = ?', [kind, resourceId]);
      await tx.run("INSERT INTO auth_permissions (resource_kind, resource_id, principal_kind, principal_id, permission) VALUES (?, ?, 'user', ?, ?)", [kind, resourceId, userId, permission]);
    });
  }

  async permission(kind: string, resourceId: string, userId: number): Promise<StoredPermission | undefined> {
    const row = await this.db.one<{ permission: StoredPermission }>(
      "SELECT permission FROM auth_permissions WHERE resource_kind = ? AND resource_id = ? AND principal_kind = 'user' AND principal_id = ?", [kind, resourceId, userId]);
    return row?.permission;
  }

  /**
   * What a user may do on a resource: their own grant when there is one, else the strongest
   * grant of any team they belong to, else undefined (the server's default applies).
   */
  async effectivePermission(kind: string, resourceId: string, userId: number): Promise<StoredPermission | undefined> {
    const own = await this.permission(kind, resourceId, userId);
    if (own) return own;
    const teams = await this.db.all<{ permission: StoredPermission }>(
      `SELECT p.permission FROM auth_permissions p JOIN auth_team_members m ON m.team_id = p.principal_id
       WHERE p.resource_kind = ? AND p.resource_id = ? AND p.principal_kind = 'team' AND m.user_id = ?`, [kind, resourceId, userId]);
    const rank: Record<StoredPermission, number> = { NO_PERMISSIONS: 0, READ: 1, EDIT: 2, MANAGE: 3 };
    return teams.map((t) => t.permission).sort((a, b) => rank[b] - rank[a])[0];
  }

  async updatePassword(username: string, password: string): Promise<void> {
    if (password.length < 8) throw new InvalidParameter(`Invalid value for parameter 'password': it must be at least 8 characters.`);
    const res = await this.db.run('UPDATE auth_users SET password_hash = ? WHERE username = ?', [await hashPassword(password), username]);
    if (!res.changes) throw new NotFound(`User with username=${username} not found`);
    // A new password signs the user's browsers out everywhere.
    await this.db.run('UPDATE auth_sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id = (SELECT id FROM auth_users WHERE username = ?)', [Date.now(), username]);
  }

  async setAdmin(username: string, isAdmin: boolean): Promise<void> {
    const res = await this.db.run('UPDATE auth_users SET is_admin = ? WHERE username = ?', [isAdmin ? 1 : 0, username]);
    if (!res.changes) throw new NotFound(`User with username=${username} not found`);
  }

  async deleteUser(username: string): Promise<void> {
    const u = await this.requireUser(username);
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM auth_permissions WHERE principal_kind = 'user' AND principal_id = ?", [u.id]);
      await tx.run('DELETE FROM auth_tokens WHERE user_id = ?', [u.id]);
      await tx.run('DELETE FROM auth_sessions WHERE user_id = ?', [u.id]);
      await tx.run('DELETE FROM auth_team_members WHERE user_id = ?', [u.id]);
      await tx.run('DELETE FROM auth_users WHERE id = ?', [u.id]);
    });
  }

  async requireUser(username: string): Promise<User> {
    const u = await this.user(username);
    if (!u) throw new NotFound(`User with username=${username} not found`);
    return u;
  }

  async revoke(kind: string, resourceId: string, userId: number): Promise<boolean> {
    const res = await this.db.run("DELETE FROM auth_permissions WHERE resource_kind = ? AND resource_id = ? AND principal_kind = 'user' AND principal_id = ?", [kind, resourceId, userId]);
    return res.changes > 0;
  }

  async permissionsOf(userId: number): Promise<{ resource_kind: string; resource_id: string; permission: string }[]> {
    return this.db.all("SELECT resource_kind, resource_id, permission FROM auth_permissions WHERE principal_kind = 'user' AND principal_id = ? ORDER BY resource_kind, resource_id", [userId]);
  }
}
