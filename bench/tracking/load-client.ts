/**
 * @module One benchmark client, run as its own process (forked by load.ts): a closed loop of
 * requests over a keep-alive connection (Node's global fetch), counting what completes inside the
 * measurement window. Request bodies are built before the window opens so the client spends its
 * CPU on sending, not on JSON.stringify: on a 2-core machine the clients share the CPUs with the
 * server.
 */

export type LoadMode = 'batch' | 'metric' | 'health';

export interface ClientConfig {
  url: string;
  mode: LoadMode;
  /** Batch shape: `keys` metrics x `steps` consecutive steps = points per log-batch request. */
  keys: number;
  steps: number;
  seed: number;
}

export interface ClientResult {
  ops: number;
  points: number;
  errors: number;
  firstError?: string;
  /** CPU this client used during the run, in seconds. */
  cpuSec: number;
}

// Distinct batches built up front per run; a client moves to a fresh run after using them all, so
// no point is ever sent twice (duplicates would take the write path's slower re-insert branch).
const BODIES_PER_RUN = 200;

async function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
}

async function createRun(url: string, seed: number): Promise<string> {
  const res = await post(`${url}/api/2.0/mlflow/runs/create`, JSON.stringify({ experiment_id: '0', run_name: `bench-${seed}` }));
  const json = (await res.json()) as { run: { info: { run_id: string } } };
  return json.run.info.run_id;
}

function metricParts(cfg: ClientConfig): string[] {
  let s = cfg.seed * 7919 + 1;
  const rnd = () => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647);
  const base = 1_767_000_000_000;
  const parts: string[] = [];
  for (let j = 0; j < BODIES_PER_RUN; j++) {
    const items: string[] = [];
    for (let k = 0; k < cfg.keys; k++) {
      for (let i = 0; i < cfg.steps; i++) {
        const step = j * cfg.steps + i;
        items.push(`{"key":"metric_${k}","value":${rnd()},"timestamp":${base + step},"step":${step}}`);
      }
    }
    parts.push(`[${items.join(',')}]`);
  }
  return parts;
}

async function main(): Promise<void> {
  const cfg = await new Promise<ClientConfig>((resolve) => process.once('message', (m) => resolve(m as ClientConfig)));
  const parts = cfg.mode === 'batch' ? metricParts(cfg) : [];
  let runId = cfg.mode === 'health' ? '' : await createRun(cfg.url, cfg.seed);
  const batchUrl = `${cfg.url}/api/2.0/mlflow/runs/log-batch`;
  const metricUrl = `${cfg.url}/api/2.0/mlflow/runs/log-metric`;
  const healthUrl = `${cfg.url}/health`;
  // Warm the connection.
  await (await fetch(healthUrl)).text();
  process.send!({ type: 'ready' });
  const go = await new Promise<{ startAt: number; warmupMs: number; durationMs: number }>((resolve) => process.once('message', (m) => resolve(m as never)));
  const from = go.startAt + go.warmupMs;
  const to = from + go.durationMs;
  while (Date.now() < go.startAt) await new Promise((r) => setTimeout(r, 1));
  const result: ClientResult = { ops: 0, points: 0, errors: 0, cpuSec: 0 };
  const cpu0 = process.cpuUsage();
  const pointsPerOp = cfg.mode === 'batch' ? cfg.keys * cfg.steps : cfg.mode === 'metric' ? 1 : 0;
  let j = 0;
  let step = 0;
  while (Date.now() < to) {
    let res: Response;
    if (cfg.mode === 'batch') {
      if (j === parts.length) {
        runId = await createRun(cfg.url, cfg.seed);
        j = 0;
      }
      res = await post(batchUrl, `{"run_id":"${runId}","metrics":${parts[j++]}}`);
    } else if (cfg.mode === 'metric') {
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
  process.send!({ type: 'done', result });
  process.disconnect();
}

main().catch((e) => {
  process.send?.({ type: 'done', result: { ops: 0, points: 0, errors: 1, cpuSec: 0, firstError: String(e?.stack ?? e) } });
  process.exit(1);
});
