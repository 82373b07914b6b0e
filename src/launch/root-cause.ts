/**
 * @module Naming the rank that failed first. When one rank dies the others fail in the
 * collective they were in ("Connection closed by peer"), often within milliseconds; torchrun
 * then names whichever error file it read first (distributed-anchors.md 5). Here: a rank killed
 * by a signal or with a non-collateral error wins over one whose error is a peer's disappearance,
 * and among those the earliest failure time (from the hook's error file, else the exit time).
 */
import { readFileSync } from 'node:fs';

export interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since epoch of the exit as the supervisor saw it. */
  exitedAt: number;
  stderrFile: string;
  errorFile: string;
}

export interface Failure {
  rank: number;
  exitCode: number | null;
  signal: string | null;
  message: string;
  traceback?: string;
  collateral: boolean;
}

const COLLATERAL = /Connection closed by peer|Connection reset by peer|Broken pipe|Timed out waiting|ECONNRESET|NCCL communicator was aborted|Socket Timeout|read from socket|Connection refused/i;

interface ErrorFile {
  timestamp: number;
  message: string;
  traceback: string;
}

function readErrorFile(path: string): ErrorFile | undefined {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof j.traceback === 'string') return j as ErrorFile;
  } catch {
    /* none */
  }
  try {
    // torchrun's @record format, for scripts that use it
    const j = JSON.parse(readFileSync(path + '.torchelastic.json', 'utf8'));
    const m = j.message;
    return { timestamp: Number(m.extraInfo?.timestamp ?? 0), message: String(m.message ?? ''), traceback: String(m.extraInfo?.py_callstack ?? m.message ?? '') };
  } catch {
    return undefined;
  }
}

/** The last Python traceback in a stderr log (at most the final 64 KiB are read). */
export function lastTraceback(stderrFile: string): string | undefined {
  let text: string;
  try {
    const buf = readFileSync(stderrFile);
    text = buf.subarray(Math.max(0, buf.length - 65536)).toString('utf8');
  } catch {
    return undefined;
  }
  const i = text.lastIndexOf('Traceback (most recent call last):');
  if (i < 0) return undefined;
  return text.slice(i).trim().split('\n').slice(0, 80).join('\n');
}

export function describe(e: RankExit): Failure {
  const file = readErrorFile(e.errorFile);
  const traceback = file?.traceback ?? lastTraceback(e.stderrFile);
  const lastLine = traceback?.trim().split('\n').pop();
  const message = e.signal ? `rank ${e.rank} was killed by ${e.signal}` : `rank ${e.rank} exited with code ${e.code}${lastLine ? `: ${lastLine}` : ''}`;
  return { rank: e.rank, exitCode: e.code, signal: e.signal, message, traceback, collateral: !e.signal && !!traceback && COLLATERAL.test(traceback) };
}

export function rootCause(exits: RankExit[]): Failure | undefined {
  const failed = exits.filter((e) => e.code !== 0 || e.signal);
  if (failed.length === 0) return undefined;
  const ranked = failed.map((e) => {
    const d = describe(e);
    const at = readErrorFile(e.errorFile)?.timestamp;
    return { d, at: at ? at * 1000 : e.exitedAt };
  });
  ranked.sort((a, b) => Number(a.d.collateral) - Number(b.d.collateral) || a.at - b.at);
  return ranked[0]!.d;
}
