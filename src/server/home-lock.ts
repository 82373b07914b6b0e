/**
 * @module One `trainyard server` per home. Two servers on one SQLite home would each run the
 * pipeline scheduler and the tuning reaper against the same file; the second one refuses to
 * start, naming the first. The lock is a file `<home>/server.lock` holding the holder's pid and
 * URL, created exclusively; it is removed on exit, and a lock whose pid is gone (kill -9, a crash)
 * or belongs to a process that is not a Trainyard server is stale and taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface HomeLock {
  /** Records the URL the server listens on, so a refused second server can name it. */
  setUrl(url: string): void;
  release(): void;
}

interface LockContent {
  pid: number;
  url?: string;
  started_at: string;
}

export function lockHome(home: string): HomeLock {
  mkdirSync(home, { recursive: true });
  const path = join(home, 'server.lock');
  const content: LockContent = { pid: process.pid, started_at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(content));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = readHolder(path);
      if (holder && isLiveServer(holder.pid)) {
        throw new Error(
          `another Trainyard server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) is using ${home}: ` +
            'use that one, stop it, or start this one with --home <another folder>',
        );
      }
      rmSync(path, { force: true }); // stale: its server is gone
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const holder = readHolder(path);
    if (holder?.pid === process.pid) rmSync(path, { force: true });
  };
  process.once('exit', release);
  return {
    setUrl(url) {
      writeFileSync(path, JSON.stringify({ ...content, url }));
    },
    release,
  };
}

function readHolder(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined; // unreadable or half-written: treat as stale
  }
}

/** The pid runs and, where /proc says what it is, is a Trainyard (node) process, not a reused pid. */
function isLiveServer(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /trainyard|node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}
