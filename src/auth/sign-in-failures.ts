import { createHash } from 'node:crypto';
import type { Database } from '../store/index.js';

/** Failed sign-ins allowed per username per window before it is refused for the rest of the window. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 5 * 60_000;

const keyOf = (username: string) => createHash('sha256').update(username).digest('hex');

/**
 * Slows password guessing from the sign-in page: after MAX_FAILURES wrong passwords for one
 * username within the window, sign-in for it answers 429 until the window ends. Counted in the
 * store (auth_sign_in_failures), so every server process on one database shares the count; the
 * scrypt cost already bounds the rate, this bounds the total.
 */
export class SignInFailures {
  constructor(private readonly db: Database) {}

  /** Milliseconds until the username may try again (0: now). */
  async blockedFor(username: string, now = Date.now()): Promise<number> {
    const f = await this.db.one<{ failures: number; since: number }>('SELECT failures, since FROM auth_sign_in_failures WHERE user_key = ?', [keyOf(username)]);
    if (!f || now - Number(f.since) > FAILURE_WINDOW_MS) return 0;
    return Number(f.failures) >= MAX_FAILURES ? Number(f.since) + FAILURE_WINDOW_MS - now : 0;
  }

  /** One more failure, in one statement (two processes failing at once both count). */
  async fail(username: string, now = Date.now()): Promise<void> {
    const expired = now - FAILURE_WINDOW_MS;
    await this.db.run(
      `INSERT INTO auth_sign_in_failures (user_key, failures, since) VALUES (?, 1, ?)
       ON CONFLICT (user_key) DO UPDATE SET
         failures = CASE WHEN auth_sign_in_failures.since < ? THEN 1 ELSE auth_sign_in_failures.failures + 1 END,
         since = CASE WHEN auth_sign_in_failures.since < ? THEN excluded.since ELSE auth_sign_in_failures.since END`,
      [keyOf(username), now, expired, expired],
    );
    // Windows that ended are dropped, so names sprayed by a guesser do not pile up.
    await this.db.run('DELETE FROM auth_sign_in_failures WHERE since < ?', [expired]);
  }

  async succeed(username: string): Promise<void> {
    await this.db.run('DELETE FROM auth_sign_in_failures WHERE user_key = ?', [keyOf(username)]);
  }
}
