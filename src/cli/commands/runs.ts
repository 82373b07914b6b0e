import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import type { Experiment, Run } from '../../client/index.js';
import { formatTime, printJson, printTable } from '../output.js';
import { registerReproduceCommand } from './reproduce.js';

const API = '/api/2.0/mlflow';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerRunCommands(program: Command): void {
  const runs = program.command('runs').description('List, show and delete runs');

  runs
    .command('list')
    .description('List runs, with the search filter and order_by grammar of MLflow')
    .option('-e, --experiment-id <id>', 'experiment to search (repeatable; default: all active experiments)', collect)
    .option('--filter <filter>', "e.g. \"metrics.acc > 0.9 and params.model = 'tree'\"")
    .option('--order-by <term>', "e.g. 'metrics.acc DESC' (repeatable)", collect)
    .option('--max-results <n>', 'at most this many runs', '100')
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--json', 'print JSON')
    .action(async (opts: { experimentId?: string[]; filter?: string; orderBy?: string[]; maxResults: string; view: string; json?: boolean }) => {
      const view = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' }[opts.view];
      if (!view) throw new Error(`--view must be active, deleted or all (got '${opts.view}')`);
      if (!/^\d+$/.test(opts.maxResults) || Number(opts.maxResults) < 1) throw new Error(`--max-results must be a positive integer (got '${opts.maxResults}')`);
      const t = await connect({ uri: program.opts().uri });
      try {
        let ids = opts.experimentId;
        if (!ids?.length) {
          const res = await t.call<{ experiments?: Experiment[] }>('POST', `${API}/experiments/search`, { max_results: 50000 });
          ids = (res.experiments ?? []).map((e) => e.experiment_id);
        }
        const res = await t.call<{ runs?: Run[]; next_page_token?: string }>('POST', `${API}/runs/search`, {
          experiment_ids: ids, filter: opts.filter, order_by: opts.orderBy, max_results: Number(opts.maxResults), run_view_type: view,
        });
        const list = res.runs ?? [];
        if (opts.json) return printJson(res);
        const metricKeys = [...new Set(list.flatMap((r) => r.data.metrics.map((m) => m.key)))].slice(0, 4);
        printTable(
          ['RUN ID', 'NAME', 'EXP', 'STATUS', 'STARTED', ...metricKeys],
          list.map((r) => [r.info.run_id, r.info.run_name, r.info.experiment_id, r.info.status, formatTime(r.info.start_time),
            ...metricKeys.map((k) => r.data.metrics.find((m) => m.key === k)?.value)]),
        );
        // On stderr, so `runs list | wc -l` still counts runs, yet nobody takes a truncated table for all of them.
        if (res.next_page_token) process.stderr.write(`showing the first ${list.length} runs; more match: raise --max-results (now ${opts.maxResults}) or narrow --filter\n`);
      } finally {
        await t.close();
      }
    });

  runs
    .command('show <run_id>')
    .description('Show a run: info, params, latest metrics, tags, dataset inputs')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        const { run } = await t.call<{ run: Run }>('GET', `${API}/runs/get`, { run_id: runId });
        if (opts.json) return printJson(run);
        const i = run.info;
        process.stdout.write(`Run ${i.run_id} (${i.run_name})\n  experiment ${i.experiment_id}  status ${i.status}  stage ${i.lifecycle_stage}\n`);
        process.stdout.write(`  started ${formatTime(i.start_time)}${i.end_time ? `  ended ${formatTime(i.end_time)}` : ''}\n  artifacts ${i.artifact_uri}\n`);
        const section = (title: string, rows: [string, unknown][]) => {
          if (!rows.length) return;
          process.stdout.write(`\n${title}\n`);
          for (const [k, v] of rows) process.stdout.write(`  ${k} = ${String(v)}\n`);
        };
        section('Params', run.data.params.map((p) => [p.key, p.value]));
        section('Metrics (latest)', run.data.metrics.map((m) => [m.key, `${m.value} (step ${m.step})`]));
        section('Tags', run.data.tags.map((x) => [x.key, x.value]));
        section('Datasets', run.inputs.dataset_inputs.map((d) => [`${d.dataset.name}@${d.dataset.digest}`, d.tags.map((x) => `${x.key}=${x.value}`).join(', ')]));
      } finally {
        await t.close();
      }
    });

  registerReproduceCommand(runs, program);

  runs
    .command('delete <run_id>')
    .description('Delete a run (soft)')
    .action(async (runId: string) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        await t.call('POST', `${API}/runs/delete`, { run_id: runId });
        process.stdout.write(`Deleted run ${runId}\n`);
      } finally {
        await t.close();
      }
    });
}
