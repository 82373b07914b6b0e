/**
 * ask() cost as a study grows to N trials on griewank10 (the suite's protocol): wall time of
 * study.ask() plus the 10 suggest calls, mean over the last 10 asks before n = 10, 100, 500,
 * 1000. One throw-away study first warms up V8's JIT.
 */
import { createStudy, type Sampler } from '../../src/tuning/index.js';

export const ASK_POINTS = [10, 100, 500, 1000];

/** Per ask: wall ms (the protocol's measure) and CPU ms of this process (robust to a shared machine). */
export interface AskTimes {
  wall: number[];
  cpu: number[];
}

export async function askTimes(makeSampler: () => Sampler, nTrials: number): Promise<AskTimes> {
  const study = await createStudy({ seed: 1, sampler: makeSampler() });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < nTrials; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const trial = await study.ask();
    const x = Array.from({ length: 10 }, (_, j) => trial.suggestFloat(`x${j}`, -600, 600));
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    await study.tell(trial, 1 + x.reduce((s, v) => s + (v * v) / 4000, 0) - x.reduce((p, v, k) => p * Math.cos(v / Math.sqrt(k + 1)), 1));
  }
  return { wall, cpu };
}

/** Mean ms of the `window` asks before each point (n = 10 means asks 1..10). */
export function atPoints(times: readonly number[], points = ASK_POINTS, window = 10): Record<number, number> {
  const out: Record<number, number> = {};
  for (const n of points) {
    if (n > times.length) continue;
    const w = Math.min(window, n);
    out[n] = times.slice(n - w, n).reduce((a, b) => a + b, 0) / w;
  }
  return out;
}

export interface AskSummary {
  /** Protocol: mean wall ms of the 10 asks before n. */
  wall: Record<number, number>;
  /** Mean CPU ms of the 50 asks before n (smoother, and unaffected by other processes). */
  cpu: Record<number, number>;
}

export function summarise(t: AskTimes): AskSummary {
  return { wall: atPoints(t.wall), cpu: atPoints(t.cpu, ASK_POINTS, 50) };
}
