/**
 * @module Checkpoints a SQLite WAL from a worker thread, so the writer's event loop stops paying
 * for it.
 *
 * Why: with synchronous=NORMAL a COMMIT only appends frames to the WAL (the OS's page cache, which
 * a kill -9 does not lose). The disk work is the checkpoint, which SQLite runs on the committing
 * connection every 1,000 WAL pages: it fsyncs the WAL (every frame reaches the disk), copies the
 * pages into the database file and fsyncs that. On the server that connection's thread is the
 * event loop; a raw probe measured COMMIT at 200–320 µs with the autocheckpoint against 81–89 µs
 * without (bench/results/store-speed.md, "pages per write").
 *
 * How: once a database has seen `startAfterCommits` commits (a CLI's handful never starts a
 * thread), a worker opens its own connection; when it is open, the writer turns its
 * autocheckpoint off and, after commits, asks the worker for a PASSIVE checkpoint (it never waits
 * for a lock and never blocks the writer). A PASSIVE checkpoint copies what was committed when it
 * began, so under a steady writer it never reaches the WAL's end, and SQLite starts the WAL over
 * only when a write finds it wholly copied: alone, the WAL would grow without bound. The bound:
 * once the worker reports a WAL of `maxFrames` or more, the writer runs one PASSIVE checkpoint
 * itself between transactions (the write lock is held, so nothing is appended meanwhile). The
 * worker has already copied and synced nearly all of it, so this one copies the tail, and the next
 * write starts the WAL from its beginning. If the worker fails, the autocheckpoint comes back.
 */

import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** Commits before the worker starts. */
  startAfterCommits: number;
  /** WAL length (frames) from which the writer checkpoints the tail itself. */
  maxFrames: number;
  /** Least time between two of the worker's checkpoints: each syncs twice, and one copy of a hot page serves many commits. */
  minIntervalMs: number;
}

export const CHECKPOINTER_DEFAULTS: CheckpointerOptions = { startAfterCommits: 200, maxFrames: 4000, minIntervalMs: 20 };

/** SQLite's own default, restored on the writer if the worker cannot serve. */
const SQLITE_AUTOCHECKPOINT = 1000;

interface WorkerReport {
  ready?: true;
  /** The WAL's length in frames when the checkpoint ran. */
  log?: number;
  error?: string;
}

// CommonJS, evaluated as the worker's script: no file to find beside the compiled module, and the
// same code under tsx, vitest and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    const r = checkpoint.get();
    parentPort.postMessage({ log: r.log });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

export class WalCheckpointer {
  private commits = 0;
  private worker?: Worker;
  private ready = false;
  private inFlight = false;
  private wanted = false;
  private timer?: NodeJS.Timeout;
  private lastDone = 0;
  /** WAL length at the worker's last checkpoint; 0 after the writer's own. */
  private walFrames = 0;
  private failed = false;
  private workerCheckpoints = 0;
  /** Checkpoints the writer ran itself because the WAL reached `maxFrames`. */
  private inlineCheckpoints = 0;

  constructor(
    private readonly file: string,
    private readonly writer: BetterSqlite3.Database,
    private readonly options: CheckpointerOptions = CHECKPOINTER_DEFAULTS,
  ) {}

  /** After each COMMIT on the writer, with the write lock still held. */
  afterCommit(): void {
    if (this.failed) return;
    if (!this.worker) {
      if (++this.commits >= this.options.startAfterCommits) this.start();
      return;
    }
    if (!this.ready) return;
    if (this.walFrames >= this.options.maxFrames) this.checkpointTail();
    this.request();
  }

  private start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // execArgv: [] so the parent's flags (a loader, --input-type=module) do not change how the
    // CommonJS source is read, nor slow the thread's start.
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { file: this.file, driver } });
    } catch {
      // No thread to be had (resource limits): SQLite's own autocheckpoint stays, as before.
      this.fail();
      return;
    }
    // The thread must not keep a process alive that is otherwise done (a CLI, a test).
    worker.unref();
    worker.on('message', (m: WorkerReport) => this.onReport(m));
    worker.on('error', () => this.fail());
    worker.on('exit', () => {
      if (this.worker === worker) this.fail();
    });
    this.worker = worker;
  }

  private onReport(m: WorkerReport): void {
    if (m.ready) {
      this.writer.pragma('wal_autocheckpoint = 0');
      this.ready = true;
      this.request();
      return;
    }
    this.inFlight = false;
    this.lastDone = Date.now();
    if (!m.error) this.workerCheckpoints++;
    if (typeof m.log === 'number' && m.log >= 0) this.walFrames = m.log;
    if (this.wanted) this.request();
  }

  /** One checkpoint in flight at a time, at most one per `minIntervalMs`. */
  private request(): void {
    if (!this.worker || !this.ready) return;
    if (this.inFlight || this.timer) {
      this.wanted = true;
      return;
    }
    this.wanted = false;
    const wait = this.lastDone + this.options.minIntervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, wait);
      this.timer.unref();
      return;
    }
    this.send();
  }

  private send(): void {
    if (!this.worker) return;
    this.inFlight = true;
    this.worker.postMessage('check');
  }

  private checkpointTail(): void {
    try {
      this.writer.pragma('wal_checkpoint(PASSIVE)');
      this.inlineCheckpoints++;
      this.walFrames = 0;
    } catch {
      // Another process's checkpoint holds SQLite's checkpoint lock: the next commit tries again.
    }
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.ready = false;
    if (this.timer) clearTimeout(this.timer);
    this.worker = undefined;
    try {
      if (this.writer.open) this.writer.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    } catch {
      // The writer is closing; nothing left to checkpoint for.
    }
  }

  stats(): { workerCheckpoints: number; inlineCheckpoints: number } {
    return { workerCheckpoints: this.workerCheckpoints, inlineCheckpoints: this.inlineCheckpoints };
  }

  /** Closes the worker's connection first, so the writer's close is the last and checkpoints the WAL away. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.failed = true;
    if (this.timer) clearTimeout(this.timer);
    this.worker = undefined;
    if (!worker) return;
    // Referenced again while it finishes: a close awaited on an unreferenced thread (say one still
    // in a long checkpoint after a bulk load) left Node's event loop empty, and the process
    // exited with status 0 in the middle of its caller's shutdown.
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
  }
}
