import { AppError } from '../core/errors.js';

/** Errors a retry can fix: the server is away (network), busy (429) or failing (5xx). */
export function isTransient(e: unknown): boolean {
  if (e instanceof AppError) return e.status === 429 || e.status >= 500;
  return true; // fetch failures (connection refused/reset) are not AppErrors
}

export interface RetryOptions {
  /** Give up after this long in total (default 10 minutes: long enough for a server restart or deploy). */
  maxElapsedMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Runs `fn` until it succeeds or fails for good, with exponential backoff and jitter between tries. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const started = Date.now();
  const maxElapsed = opts.maxElapsedMs ?? 10 * 60_000;
  let delay = opts.initialDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 5_000;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || Date.now() - started > maxElapsed) throw e;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
