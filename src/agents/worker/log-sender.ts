/**
 * @module One task's log on its way to the server: lines are batched (every FLUSH_MS or
 * MAX_BATCH lines) and at most AGENT_LOG_BUDGET_BYTES are sent; past that lines are counted and
 * one closing line says how much was left out, so a step printing 100 MB costs the network 8 MB.
 */
import { AGENT_LOG_BUDGET_BYTES, type LogLine, type LogStream } from '../protocol.js';

const FLUSH_MS = 200;
const MAX_BATCH = 1000;

export class LogSender {
  private batch: LogLine[] = [];
  private sentBytes = 0;
  private droppedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly send: (lines: LogLine[]) => Promise<unknown>, private readonly onError: (e: unknown) => void) {}

  line(stream: LogStream, text: string): void {
    const bytes = Buffer.byteLength(text) + 12;
    if (this.sentBytes + bytes > AGENT_LOG_BUDGET_BYTES) {
      this.droppedBytes += bytes;
      return;
    }
    this.sentBytes += bytes;
    this.batch.push([stream, text]);
    if (this.batch.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Sends what is batched; resolves when every batch so far has been answered. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.batch;
    this.batch = [];
    if (lines.length) this.sending = this.sending.then(() => this.send(lines).then(() => undefined, this.onError));
    return this.sending;
  }

  /** The last flush, with a line saying what the budget left out. */
  async close(): Promise<void> {
    if (this.droppedBytes) {
      this.batch.push(['system', `[agent: ${this.droppedBytes} bytes of log not sent: over the ${AGENT_LOG_BUDGET_BYTES / 1024 / 1024} MiB per-task budget]`]);
      this.droppedBytes = 0;
    }
    await this.flush();
  }
}
