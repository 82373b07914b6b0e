/**
 * @module The live view of a pipeline run: a line per step with its state and duration, redrawn
 * in place on a terminal (printed on change otherwise), and the failing steps' log tails at the
 * end. It polls the run (one small read per tick); the scheduler itself never polls.
 */
import type { Connection } from '../../client/index.js';
import type { RunJson, StepJson } from '../../pipelines/index.js';

const TICK_MS = 250;
const ICON: Record<string, string> = { pending: '·', running: '▶', waiting_retry: '↻', succeeded: '✓', cached: '✓', failed: '✗', skipped: '-', cancelled: '✗' };

export function seconds(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function line(s: StepJson, width: number, now: number): string {
  const dur = s.duration_ms ?? (s.started_at && (s.status === 'running' || s.status === 'waiting_retry') ? now - s.started_at : null);
  let extra = '';
  if (s.items) extra = ` ${Object.entries(s.items.counts).map(([k, v]) => `${v} ${k}`).join(', ')} of ${s.items.total}`;
  if (s.cached_from) extra += ` (${s.cached_from.message})`;
  else if (s.status === 'waiting_retry') extra += ` attempt ${s.attempt} failed, retrying: ${s.error}`;
  else if ((s.status === 'failed' || s.status === 'skipped') && s.error) extra += ` ${s.error}`;
  if (s.attempt > 1 && s.status !== 'waiting_retry') extra += ` (attempt ${s.attempt})`;
  return `  ${ICON[s.status] ?? '?'} ${s.step.padEnd(width)}  ${s.status.padEnd(13)} ${seconds(dur).padStart(7)}${extra}`;
}

export const FINAL = ['succeeded', 'failed', 'cancelled'];

/** Follows a run to its end; returns its final state and steps. */
export async function followRun(conn: Connection, runId: string, opts: { quiet?: boolean } = {}): Promise<{ run: RunJson; steps: StepJson[] }> {
  const tty = process.stderr.isTTY && !opts.quiet;
  let drawn = 0;
  const printed = new Map<string, string>();
  for (;;) {
    const res = await conn.call<{ run: RunJson; steps: StepJson[] }>('GET', `/api/v1/pipelines/runs/${encodeURIComponent(runId)}`);
    const width = Math.max(4, ...res.steps.map((s) => s.step.length));
    const now = Date.now();
    if (!opts.quiet) {
      const lines = res.steps.map((s) => line(s, width, now));
      if (tty) {
        if (drawn) process.stderr.write(`\x1b[${drawn}A`);
        process.stderr.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
        drawn = lines.length;
      } else {
        for (const s of res.steps) {
          const state = `${s.status}:${s.attempt}`;
          if (printed.get(s.step) !== state && s.status !== 'pending') {
            printed.set(s.step, state);
            process.stderr.write(line(s, width, now) + '\n');
          }
        }
      }
    }
    if (FINAL.includes(res.run.status)) return res;
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

export async function printFailureTails(conn: Connection, runId: string, steps: StepJson[], n = 20): Promise<void> {
  for (const s of steps.filter((x) => x.status === 'failed')) {
    const { lines } = await conn.call<{ lines: string[] }>('GET', `/api/v1/pipelines/runs/${encodeURIComponent(runId)}/logs`, { step: s.step, tail: n });
    if (lines.length === 0) continue;
    process.stderr.write(`\n--- ${s.step}: last ${lines.length} log lines ---\n${lines.join('\n')}\n`);
  }
}
