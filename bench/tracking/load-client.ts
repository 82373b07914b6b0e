/**
 * @module One benchmark client, run as its own process (forked by load.ts): on each `go` message,
 * a closed loop of requests over keep-alive connections (Node's global fetch), counting what
 * completes inside the measurement window. log-batch bodies are built before the window opens so
 * the client spends its CPU on sending, not on JSON.stringify: on a 2-core machine the clients
 * share the CPUs with the server.
 */

export type LoadMode = 'batch' | 'metric' | 'health';

export interface GoMessage {
  url: string;
  mode: LoadMode;
  /** Batch shape: `keys` metrics x `steps` consecutive steps = points per log-batch request. */
  keys: number;
  steps: number;
  seed: number;
  /** Wall-clock ms (Date.now) at which to start; the window is [startAt + warmupMs, + durationMs]. */
  startAt: number;
  warmupMs: number;
  durationMs: number;
}

export interface ClientResult {
  ops: number;
  points: number;
  errors: number;
  firstError?: string;
  /** CPU this client used during the run, in seconds. */
  cpuSec: number;
}

// Distinct batches built per client; a client moves to a fresh run after using them all, so no
// point is ever sent twice (duplicates would take the write path's slower re-insert branch).
const BODIES_PER_RUN = 200;

async function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
}

async function createRun(url: string, seed: number): Promise<string> {
  const res = await post(`${url}/api/2.0/mlflow/runs/create`, JSON.stringify({ experiment_id: '0', run_name: `bench-client-${seed}` }));
  const json = (await res.json()) as { run: { info: { run_id: string } } };
  return json.run.info.run_id;
}

function metricParts(keys: number, steps: number, seed: number): string[] {
  let s = seed * 7919 + 1;
  const rnd = () => (s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647;
  const base = 1_767_000_000_000;
  const parts: string[] = [];
  for (let j = 0; j < BODIES_PER_RUN; j++) {
    const items: string[] = [];
    for (let k = 0; k < keys; k++) {
      for (let i = 0; i < steps; i++) {
        const step = j * steps + i;
        items.push(`{"key":"metric_${k}","value":${rnd()},"timestamp":${base + step},"step":${step}}`);
      }
    }
    parts.push(`[${items.join(',')}]`);
  }
  return parts;
}

let parts: { shape: string; list: string[] } | undefined;

async function run(go: GoMessage): Promise<ClientResult> {
  const shape = `${go.keys}x${go.steps}`;
  if (go.mode === 'batch' && parts?.shape !== shape) parts = { shape, list: metricParts(go.keys, go.steps, go.seed) };
  let runId = go.mode === 'health' ? '' : await createRun(go.url, go.seed);
  const batchUrl = `${go.url}/api/2.0/mlflow/runs/log-batch`;
  const metricUrl = `${go.url}/api/2.0/mlflow/runs/log-metric`;
  const healthUrl = `${go.url}/health`;
  await (await fetch(healthUrl)).text(); // opens the keep-alive connection
  const from = go.startAt + go.warmupMs;
  const to = from + go.durationMs;
  while (Date.now() < go.startAt) await new Promise((r) => setTimeout(r, 1));
  const result: ClientResult = { ops: 0, points: 0, errors: 0, cpuSec: 0 };
  const cpu0 = process.cpuUsage();
  const pointsPerOp = go.mode === 'batch' ? go.keys * go.steps : go.mode === 'metric' ? 1 : 0;
  let j = 0;
  let step = 0;
  while (Date.now() < to) {
    let res: Response;
    if (go.mode === 'batch') {
      if (j === parts!.list.length) {
        runId = await createRun(go.url, go.seed);
        j = 0;
      }
      res = await post(batchUrl, `{"run_id":"${runId}","metrics":${parts!.list[j++]}}`);
    } else if (go.mode === 'metric') {
      step++;
      res = await post(metricUrl, `{"run_id":"${runId}","key":"loss","value":${1 / step},"timestamp":${1_767_000_000_000 + step},"step":${step}}`);
    } else {
      res = await fetch(healthUrl);
    }
    const text = await res.text();
    const now = Date.now();
    if (!res.ok) {
      result.errors++;
      result.firstError ??= `${res.status} ${text.slice(0, 200)}`;
    } else if (now >= from && now <= to) {
      result.ops++;
      result.points += pointsPerOp;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

process.on('message', (m) => {
  const msg = m as { type: 'prepare'; keys: number; steps: number; seed: number } | ({ type: 'go' } & GoMessage) | { type: 'exit' };
  if (msg.type === 'exit') process.exit(0);
  if (msg.type === 'prepare') {
    parts = { shape: `${msg.keys}x${msg.steps}`, list: metricParts(msg.keys, msg.steps, msg.seed) };
    process.send!({ type: 'ready' });
    return;
  }
  run(msg).then(
    (result) => process.send!({ type: 'done', result }),
    (e) => process.send!({ type: 'done', result: { ops: 0, points: 0, errors: 1, cpuSec: 0, firstError: String(e?.stack ?? e) } }),
  );
});
