/**
 * @module Reading the per-rank heartbeat files the Python hook writes, and judging them: a hung
 * group (no completed step for `stallSeconds`, or none at all after `startupSeconds`) and a
 * straggler (one rank's own compute time, measured outside backward() and so outside DDP's
 * all-reduce, far above the others'; all-reduce equalises wall time per step, so wall time alone
 * cannot show it).
 */
import { readFileSync } from 'node:fs';

export interface Beat {
  steps: number;
  last_step_at: number | null;
  phase: 'start' | 'compute' | 'backward';
  phase_since: number;
  own_ms: number | null;
  own_samples: number;
  written_at: number;
}

export function readBeat(file: string): Beat | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Beat;
  } catch {
    return undefined;
  }
}

export interface Hang {
  /** The rank most likely stuck: the one outside a collective the longest, else the stalest. */
  rank: number;
  reason: string;
  /**
   * The named rank itself waits in a collective (backward's all-reduce): on a node of a
   * multi-node job, the culprit is then likely on another node, whose launcher should name it.
   */
  inCollective: boolean;
}

/** `beats[r]` is rank r's latest beat (undefined before its first write). Times in ms. */
export function detectHang(beats: (Beat | undefined)[], now: number, startedAt: number, stallSeconds: number, startupSeconds: number): Hang | undefined {
  const stepped = beats.some((b) => b && b.steps > 0);
  if (!stepped) {
    if (startupSeconds > 0 && now - startedAt > startupSeconds * 1000) {
      const rank = Math.max(0, beats.findIndex((b) => !b || b.phase === 'start'));
      return { rank, reason: `no rank completed a step within the startup timeout (${startupSeconds} s)`, inCollective: false };
    }
    return undefined;
  }
  if (stallSeconds <= 0) return undefined;
  // A rank yet to report a step counts from the latest step of the others, not from the attempt's
  // start: under load, importing torch alone can take longer than the stall time.
  const latest = Math.max(...beats.map((b) => (b?.last_step_at ? b.last_step_at * 1000 : 0)));
  const progress = beats.map((b) => (b?.last_step_at ? b.last_step_at * 1000 : latest));
  const stalest = Math.min(...progress);
  if (now - stalest < stallSeconds * 1000) return undefined;
  // Ranks blocked in backward() are waiting for a peer's all-reduce; the culprit is outside it.
  // A rank whose beat thread stopped writing is blocked in C++ with the GIL held (a collective
  // wait, typically), so it ranks after one whose thread still beats while its main thread is
  // stuck (a Python-level hang).
  const fresh = (b: Beat) => now - b.written_at * 1000 < 2000;
  const score = (b: Beat | undefined) => (!b ? 3 : b.phase === 'backward' ? 2 : fresh(b) ? 0 : 1);
  let rank = -1;
  beats.forEach((b, r) => {
    if (rank < 0 || score(b) < score(beats[rank]) || (score(b) === score(beats[rank]) && b && beats[rank] && b.phase_since < beats[rank]!.phase_since)) rank = r;
  });
  const inCollective = rank >= 0 && beats[rank]?.phase === 'backward';
  if (rank < 0 || score(beats[rank]) >= 2) rank = progress.indexOf(stalest);
  return { rank, reason: `no step completed for ${Math.round((now - stalest) / 100) / 10} s (stall timeout ${stallSeconds} s)`, inCollective };
}

export interface Straggler {
  rank: number;
  ownMs: number;
  othersMs: number;
}

/** A rank whose median own compute time is > 3x the others' median and at least 50 ms above it. */
export function detectStragglers(beats: (Pick<Beat, 'own_ms' | 'own_samples'> | undefined)[], minSamples = 10): Straggler[] {
  if (beats.length < 2 || beats.some((b) => !b || b.own_ms === null || b.own_samples < minSamples)) return [];
  const own = beats.map((b) => b!.own_ms!);
  const out: Straggler[] = [];
  own.forEach((ms, r) => {
    const others = own.filter((_, i) => i !== r).sort((a, b) => a - b);
    const median = others[Math.floor(others.length / 2)]!;
    if (ms > 3 * median && ms - median > 50) out.push({ rank: r, ownMs: ms, othersMs: median });
  });
  return out;
}
