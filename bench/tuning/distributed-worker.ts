/**
 * @module One tuning worker for bench/tuning/distributed.ts, forked as its own process (as real
 * workers are). On each `go` message it runs a closed loop of trials with no objective time and
 * sends back the wall time of every trial's round trips (ask [+ suggests] + tell), warm-up
 * excluded, plus its own CPU. Request bodies are built before the clock starts.
 *
 * Clients: `raw` is the minimal keep-alive HTTP client of the tracking benchmark (Node's fetch
 * costs ~260 us of client CPU per request here, which on 2 shared cores would slow the server
 * down, not measure it); `sdk` is the TypeScript SDK a user runs (fetch inside).
 */
import { Trainyard } from '../../src/client/index.js';
import { KeepAliveClient } from '../tracking/http-client.js';

export interface WorkerGo {
  url: string;
  study: string;
  /** Trials measured, after `warmup` unmeasured ones. */
  trials: number;
  warmup: number;
  /**
   * propose: ask with `propose` (the server draws every known param), tell carrying the params
   * used (2 requests: the TS SDK's protocol); batched: ask with the search space drawn and
   * recorded at ask, then tell (2); dbr: ask, 2 suggests, tell (4: the Python client's worst case).
   */
  shape: 'propose' | 'batched' | 'dbr' | 'health';
  client: 'raw' | 'sdk';
  /** Time the objective takes (a sleep between ask and tell); not part of the measured time. */
  objectiveMs: number;
  startAt: number;
}

export interface WorkerResult {
  ms: number[];
  /** The ask's share of each measured trial (ms); the rest is the tell. */
  askMs: number[];
  cpuSec: number;
  errors: number;
  firstError?: string;
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

const SPACE = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'int', low: 0, high: 10 } };

async function rawLoop(go: WorkerGo, record: (ms: number, askMs?: number) => void): Promise<void> {
  const c = new KeepAliveClient(go.url);
  const base = `/api/v1/studies/${encodeURIComponent(go.study)}`;
  const askBody = JSON.stringify(go.shape === 'batched' ? { search_space: SPACE } : go.shape === 'propose' ? { propose: true } : {});
  const sx = JSON.stringify({ name: 'x', distribution: SPACE.x });
  const sy = JSON.stringify({ name: 'y', distribution: SPACE.y });
  const check = (r: { status: number; body: string }) => {
    if (r.status !== 200) throw new Error(`${r.status} ${r.body.slice(0, 300)}`);
    return r.body;
  };
  try {
    for (let i = 0; i < go.warmup + go.trials; i++) {
      const t0 = performance.now();
      if (go.shape === 'health') {
        check(await c.request('GET', '/health'));
        check(await c.request('GET', '/health'));
      } else {
        const asked = JSON.parse(check(await c.request('POST', `${base}/ask`, askBody))) as { trial: { number: number }; proposals?: Record<string, { value: number }> };
        const n = asked.trial.number;
        let tellBody = `{"values":[${i % 97}]}`;
        if (go.shape === 'propose') {
          // What the SDK sends: the proposals it took (its own draw before the study knows x, y).
          const x = asked.proposals?.x?.value ?? 0.5;
          const y = asked.proposals?.y?.value ?? 3;
          tellBody = `{"values":[${i % 97}],"params":{"x":{"distribution":${JSON.stringify(SPACE.x)},"value":${x}},"y":{"distribution":${JSON.stringify(SPACE.y)},"value":${y}}}}`;
        }
        if (go.shape === 'dbr') {
          check(await c.request('POST', `${base}/trials/${n}/suggest`, sx));
          check(await c.request('POST', `${base}/trials/${n}/suggest`, sy));
        }
        const askMs = performance.now() - t0;
        await sleep(go.objectiveMs);
        const t1 = performance.now();
        check(await c.request('POST', `${base}/trials/${n}/tell`, tellBody));
        if (i >= go.warmup) record(askMs + performance.now() - t1, askMs);
        continue;
      }
      if (i >= go.warmup) record(performance.now() - t0);
    }
  } finally {
    c.close();
  }
}

async function sdkLoop(go: WorkerGo, record: (ms: number, askMs?: number) => void): Promise<void> {
  const ty = new Trainyard({ uri: go.url });
  const study = await ty.studies.load(go.study);
  try {
    for (let i = 0; i < go.warmup + go.trials; i++) {
      const t0 = performance.now();
      const trial = await study.ask();
      trial.suggestFloat('x', -5, 5);
      trial.suggestInt('y', 0, 10);
      const asked = performance.now() - t0;
      await sleep(go.objectiveMs);
      const t1 = performance.now();
      await study.tell(trial, i % 97);
      if (i >= go.warmup) record(asked + performance.now() - t1, asked);
    }
  } finally {
    await ty.close();
  }
}

process.on('message', async (go: WorkerGo) => {
  const ms: number[] = [];
  const askMs: number[] = [];
  const result: WorkerResult = { ms, askMs, cpuSec: 0, errors: 0 };
  const record = (x: number, ask?: number) => {
    ms.push(x);
    if (ask !== undefined) askMs.push(ask);
  };
  await new Promise((r) => setTimeout(r, Math.max(0, go.startAt - Date.now())));
  const c0 = process.cpuUsage();
  try {
    await (go.client === 'raw' ? rawLoop(go, record) : sdkLoop(go, record));
  } catch (e) {
    result.errors++;
    result.firstError = (e as Error).message;
  }
  const c = process.cpuUsage(c0);
  result.cpuSec = (c.user + c.system) / 1e6;
  process.send!(result);
});
