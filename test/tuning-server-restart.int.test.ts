/**
 * Tuning workers outlive their server: the server is killed with SIGKILL in the middle of an
 * SDK `optimize` (two trials in flight) and restarted a second later on the same store. The
 * workers' asks and tells are retried with backoff, so `optimize` finishes its budget; every
 * trial number is unique, every trial the workers told is COMPLETE with its params, and a trial
 * whose ask or tell answer was lost in the kill is failed by the heartbeat sweep, not left RUNNING.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { freePort, spawnServer, type ServerProcess } from './helpers/server-process.js';

it('finishes an optimize across a server kill -9 and restart, with no trial lost or shared', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ty-tune-restart-'));
  const port = await freePort();
  const args = ['--home', home, '--port', String(port)];
  let server: ServerProcess = await spawnServer(args);
  const ty = new Trainyard({ uri: server.url, capture: false });
  let restarted: Promise<void> | null = null;
  try {
    // Heartbeats every 4 s: a trial in flight survives the outage, the 1 s pause plus the new
    // server's start-up, which takes several seconds on a loaded CI machine (it would be failed
    // after 8 s of silence, like a dead worker's); an orphan from a lost ask answer does not.
    const study = await ty.studies.create({ name: 'restart', direction: 'minimize', sampler: 'tpe', heartbeatIntervalMs: 4000, maxRetry: 0 });
    const told = new Set<number>();
    await study.optimize(async (trial) => {
      const x = trial.suggestFloat('x', -3, 3);
      if (trial.number === 8 && !restarted) {
        restarted = (async () => {
          server.child.kill('SIGKILL');
          await server.exited;
          await new Promise((r) => setTimeout(r, 1000));
          server = await spawnServer(args);
        })();
      }
      await new Promise((r) => setTimeout(r, 30));
      return x * x;
    }, { nTrials: 24, concurrency: 2, callbacks: [(_s, t) => void told.add(t.number)] });
    await restarted;
    expect(told.size).toBe(24);
    // Let the sweep (at the next ask) fail any trial orphaned by the kill, then look at the store.
    await new Promise((r) => setTimeout(r, 8200));
    await (await study.ask()).suggestFloat('x', -3, 3);
    const trials = await study.getTrials();
    expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i)); // unique and dense
    for (const n of told) {
      const t = trials[n]!;
      expect(t.state, `trial ${n}`).toBe('COMPLETE');
      expect(t.value).toBe((t.params.x as number) ** 2);
    }
    const stuck = trials.filter((t) => t.state === 'RUNNING' && t.number !== trials.length - 1);
    expect(stuck).toEqual([]);
  } finally {
    await ty.close();
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(home, { recursive: true, force: true });
  }
});
