import { InvalidParameter } from '../core/errors.js';
import type { KeyValue } from '../tracking/entities.js';
import type { MetricPoint } from '../tracking/metric-writer.js';
import { validateKey } from '../tracking/validation.js';
import { withRetry, type RetryOptions } from './retry.js';

export interface LogBufferOptions extends RetryOptions {
  /** Flush once this many entries wait (MLflow's log-batch takes at most 1000). */
  batchSize?: number;
  /** Flush at least this often while entries wait. */
  flushIntervalMs?: number;
  /** Above this many waiting entries, `logMetric` returns a promise that waits for the backlog (backpressure). */
  highWater?: number;
  /** Above this many, logging throws instead of growing memory without bound. */
  hardLimit?: number;
}

type SendBatch = (batch: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] }) => Promise<void>;

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Buffers a run's metrics, params and tags and sends them in log-batch calls of up to 1000
 * entries, one call in flight at a time so tag overwrites keep their order. The caller's thread
 * only appends to an array (the SDK bench measures the cost per call); sending, retrying with
 * backoff on 429/5xx/network errors, and backpressure happen here. A retried batch cannot
 * duplicate anything: the server collapses exact duplicate points and identical params.
 */
export class LogBuffer {
  private metrics: MetricPoint[] = [];
  private params: KeyValue[] = [];
  private tags: KeyValue[] = [];
  private pending = 0;
  private sending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;
  private readonly validKeys = new Set<string>();
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly highWater: number;
  private readonly hardLimit: number;

  constructor(
    private readonly send: SendBatch,
    private readonly opts: LogBufferOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 1000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
    this.highWater = opts.highWater ?? 100_000;
    this.hardLimit = opts.hardLimit ?? 2_000_000;
  }

  /** Entries not yet acknowledged by the server. */
  get backlog(): number {
    return this.pending;
  }

  addMetric(key: string, value: number, timestamp: number, step: number): Promise<void> {
    if (!this.validKeys.has(key)) {
      validateKey(key, 'metric');
      this.validKeys.add(key);
    }
    if (typeof value !== 'number') throw new InvalidParameter(`Metric '${key}' must be a number, got ${typeof value}`);
    if (!Number.isSafeInteger(step)) throw new InvalidParameter(`Metric '${key}': step must be an integer, got ${step}`);
    this.metrics.push({ key, value, timestamp, step });
    return this.added();
  }

  addParam(key: string, value: string): Promise<void> {
    validateKey(key, 'param');
    this.params.push({ key, value });
    return this.added();
  }

  addTag(key: string, value: string): Promise<void> {
    validateKey(key, 'tag');
    this.tags.push({ key, value });
    return this.added();
  }

  private added(): Promise<void> {
    this.pending++;
    if (this.pending >= this.hardLimit) {
      throw new InvalidParameter(`${this.pending} entries are waiting to be sent to the server; await logMetric() (or run.flush()) to apply backpressure.`);
    }
    if (this.metrics.length >= this.batchSize || this.params.length >= 100 || this.tags.length >= 100) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
    return this.pending > this.highWater ? this.drainBelow(this.highWater / 2) : RESOLVED;
  }

  private kick(): void {
    if (!this.sending) this.sending = this.pump().finally(() => (this.sending = null));
  }

  /** Sends until the buffer is empty, one batch at a time. */
  private async pump(): Promise<void> {
    while (this.metrics.length || this.params.length || this.tags.length) {
      // MLflow's limits per call: 1000 entries in all, at most 100 params and 100 tags.
      const params = this.params.splice(0, 100);
      const tags = this.tags.splice(0, 100);
      const metrics = this.metrics.splice(0, this.batchSize - params.length - tags.length);
      const n = metrics.length + params.length + tags.length;
      try {
        await withRetry(() => this.send({ metrics, params, tags }), this.opts);
      } catch (e) {
        // A rejected batch (bad input) or a server gone past the retry window: remember it, so
        // flush()/end() report it instead of losing it silently.
        this.failure = e as Error;
        this.pending -= n;
        continue;
      }
      this.pending -= n;
    }
  }

  private async drainBelow(level: number): Promise<void> {
    while (this.pending > level) {
      this.kick();
      await this.sending;
    }
  }

  /** Sends everything buffered; throws the first batch failure, if any. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.metrics.length || this.params.length || this.tags.length || this.sending) {
      this.kick();
      await this.sending;
    }
    if (this.failure) {
      const f = this.failure;
      this.failure = null;
      throw f;
    }
  }
}
