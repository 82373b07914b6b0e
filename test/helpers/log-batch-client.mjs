// A tracking client in its own OS process for the concurrency tests: streams log-batch calls and
// prints one JSON line {ok, errors}. Usage: node log-batch-client.mjs <json config>
// config: { url, client, batches, sharedRun, ownRun, perBatch }
const cfg = JSON.parse(process.argv[2]);
const errors = [];
let ok = 0;

async function logBatch(body) {
  try {
    const res = await fetch(`${cfg.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status === 200) ok++;
    else errors.push(`${res.status} ${text.slice(0, 300)}`);
  } catch (e) {
    errors.push(String(e));
  }
}

for (let b = 0; b < cfg.batches; b++) {
  const base = cfg.client * 1_000_000 + b * cfg.perBatch;
  const shared = [];
  for (let i = 0; i < cfg.perBatch; i++) {
    shared.push({ key: 'shared', value: base + i, timestamp: 1000 + b, step: base + i });
    shared.push({ key: `c${cfg.client}`, value: i, timestamp: 1000 + b, step: b * cfg.perBatch + i });
  }
  const own = Array.from({ length: cfg.perBatch * 2 }, (_, i) => ({ key: 'own', value: i % 7 === 0 ? 'NaN' : i, timestamp: 1000 + b, step: b * cfg.perBatch * 2 + i }));
  await Promise.all([
    logBatch({ run_id: cfg.sharedRun, metrics: shared, params: [{ key: `p${cfg.client}_${b}`, value: String(b) }], tags: [{ key: `last_${cfg.client}`, value: String(b) }] }),
    logBatch({ run_id: cfg.ownRun, metrics: own }),
  ]);
}
process.stdout.write(JSON.stringify({ ok, errors: errors.slice(0, 20), errorCount: errors.length }) + '\n');
