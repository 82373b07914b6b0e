/**
 * @module `trainyard pipeline`: run a TypeScript or YAML pipeline with a live view, and list,
 * show, logs, retry, resume and cancel runs (`--json` on each).
 *
 * @example
 * trainyard pipeline run pipeline.ts --param trials=50
 * trainyard pipeline run train.yaml --no-cache
 * trainyard pipeline show pr_... ; trainyard pipeline logs pr_... --step train
 * trainyard pipeline resume pr_... ; trainyard pipeline retry pr_... --step evaluate
 */
import type { Command } from 'commander';
import { connect, type Connection } from '../../client/index.js';
import { loadPipelineFile, type RunJson, type StepJson } from '../../pipelines/index.js';
import { formatTime, printJson, printTable } from '../output.js';
import { followRun, printFailureTails, seconds } from './pipeline-view.js';

const API = '/api/v1/pipelines';
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function parseParamFlags(flags: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const at = f.indexOf('=');
    if (at <= 0) throw new Error(`--param must be NAME=VALUE (got '${f}')`);
    out[f.slice(0, at)] = f.slice(at + 1);
  }
  return out;
}

async function withConn<T>(program: Command, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await connect({ uri: program.opts().uri });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Follows, prints the outcome, sets the exit code. */
async function finish(c: Connection, runId: string, json: boolean | undefined): Promise<void> {
  const res = await followRun(c, runId, { quiet: json === true });
  if (json) printJson(res);
  else {
    const cached = res.steps.filter((s) => s.status === 'cached').length;
    process.stdout.write(`Pipeline run ${res.run.run_id} ${res.run.status} in ${seconds(res.run.duration_ms)}${cached ? ` (${cached} step${cached > 1 ? 's' : ''} from the cache)` : ''}.\n`);
    if (res.run.status !== 'succeeded') {
      await printFailureTails(c, runId, res.steps);
      process.stdout.write(`See: trainyard pipeline show ${runId} ; trainyard pipeline logs ${runId} --step STEP ; trainyard pipeline resume ${runId}\n`);
    }
  }
  if (res.run.status !== 'succeeded') process.exitCode = 1;
}

export function registerPipelineCommands(program: Command): void {
  const p = program.command('pipeline').description('Run pipelines (TypeScript or YAML) and inspect, resume, retry and cancel their runs');

  p.command('run <file>')
    .description('Compile FILE (.ts default-exporting a pipeline, or .yaml), validate it and run it with a live view')
    .option('--param <name=value>', 'override a pipeline param (repeatable)', collect)
    .option('--executor <name>', 'local, agents or kubernetes', 'local')
    .option('--no-cache', 'run every step even when the cache has its outputs')
    .option('--detach', 'print the run id and return without following it (needs a server)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { param?: string[]; executor: string; cache: boolean; detach?: boolean; json?: boolean }) => {
      const params = parseParamFlags(opts.param);
      const { spec } = await loadPipelineFile(file);
      await withConn(program, async (c) => {
        if (opts.detach && c.mode === 'embedded') throw new Error('--detach needs a server (--uri or TRAINYARD_URI): an embedded run lives in this process.');
        const { run } = await c.call<{ run: RunJson }>('POST', `${API}/runs`, { spec, params, executor: opts.executor, cache: opts.cache });
        if (!opts.json) process.stderr.write(`Pipeline '${spec.name}' run ${run.run_id} (definition ${spec.definitionHash.slice(0, 12)}, code ${spec.codeHash.slice(0, 12)})\n`);
        if (opts.detach) return opts.json ? printJson({ run }) : void process.stdout.write(`${run.run_id}\n`);
        await finish(c, run.run_id, opts.json);
      });
    });

  p.command('schedule <file>')
    .description('Store a schedule in the server: run FILE on a cron (fired once per tick, whatever the number of server replicas)')
    .requiredOption('--cron <expr>', 'e.g. "0 3 * * *" (5 fields, or 6 with seconds)')
    .option('--param <name=value>', 'param for every scheduled run (repeatable)', collect)
    .option('--executor <name>', 'local, agents or kubernetes', 'local')
    .option('--no-cache', 'every scheduled run reruns every step (stored with the schedule)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { cron: string; param?: string[]; executor: string; cache: boolean; json?: boolean }) => {
      const params = parseParamFlags(opts.param);
      const { resolve } = await import('node:path');
      await withConn(program, async (c) => {
        if (c.mode === 'embedded') process.stderr.write('Note: schedules fire while a server runs on this store (trainyard server).\n');
        const { schedule } = await c.call<{ schedule: { schedule_id: string; next_fire_at: number } }>('POST', `${API}/schedules`, { file: resolve(file), cron: opts.cron, params, executor: opts.executor, cache: opts.cache });
        if (opts.json) return printJson({ schedule });
        process.stdout.write(`Schedule ${schedule.schedule_id}: next run ${formatTime(schedule.next_fire_at)} UTC${opts.cache ? '' : ' (no cache: every step reruns)'}\n`);
      });
    });

  p.command('schedules')
    .description('List stored schedules')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      withConn(program, async (c) => {
        const res = await c.call<{ schedules: { schedule_id: string; pipeline: string; cron: string; next_fire_at: number; file: string }[] }>('GET', `${API}/schedules`);
        if (opts.json) return printJson(res);
        printTable(['SCHEDULE', 'PIPELINE', 'CRON', 'NEXT', 'FILE'], res.schedules.map((s) => [s.schedule_id, s.pipeline, s.cron, formatTime(s.next_fire_at), s.file]), 60);
      }),
    );

  p.command('unschedule <schedule>')
    .description('Delete a stored schedule (runs it already started are left alone)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) =>
      withConn(program, async (c) => {
        await c.call('DELETE', `${API}/schedules/${encodeURIComponent(id)}`);
        if (opts.json) return printJson({ schedule_id: id, deleted: true });
        process.stdout.write(`Schedule ${id} deleted.\n`);
      }),
    );

  p.command('list')
    .description('List pipeline runs, newest first')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--max-results <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { pipeline?: string; maxResults: string; json?: boolean }) =>
      withConn(program, async (c) => {
        const res = await c.call<{ runs: RunJson[]; next_page_token?: string }>('GET', `${API}/runs`, { pipeline: opts.pipeline, max_results: opts.maxResults });
        if (opts.json) return printJson(res);
        printTable(['RUN ID', 'PIPELINE', 'STATUS', 'CREATED', 'DURATION', 'EXECUTOR'], res.runs.map((r) => [r.run_id, r.pipeline, r.status, formatTime(r.created_at), seconds(r.duration_ms), r.executor]));
      }),
    );

  p.command('show <run>')
    .description('Show a run: its steps with state, duration, cache source and error')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { json?: boolean }) =>
      withConn(program, async (c) => {
        const res = await c.call<{ run: RunJson; steps: StepJson[] }>('GET', `${API}/runs/${encodeURIComponent(runId)}`);
        if (opts.json) return printJson(res);
        const r = res.run;
        process.stdout.write(`Run ${r.run_id}  pipeline ${r.pipeline}  ${r.status}  ${seconds(r.duration_ms)}\nparams ${JSON.stringify(r.params)}  executor ${r.executor}  cache ${r.use_cache ? 'on' : 'off'}\ndefinition ${r.definition_hash}\ncode ${r.code_hash}\nsource ${r.source.file}\n${r.error ? `error: ${r.error}\n` : ''}\n`);
        printTable(
          ['STEP', 'STATUS', 'ATTEMPT', 'DURATION', 'DETAIL'],
          res.steps.map((s) => [s.step, s.status, s.attempt, seconds(s.duration_ms), s.cached_from?.message ?? (s.items ? `${s.items.total} items: ${Object.entries(s.items.counts).map(([k, v]) => `${v} ${k}`).join(', ')}` : s.error ?? '')]),
          80,
        );
      }),
    );

  p.command('logs <run>')
    .description("Print a step's log (the last lines)")
    .requiredOption('--step <name>', 'the step')
    .option('--item <n>', 'a map item')
    .option('--tail <n>', 'last N lines', '200')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { step: string; item?: string; tail: string; json?: boolean }) =>
      withConn(program, async (c) => {
        const res = await c.call<{ lines: string[]; path: string }>('GET', `${API}/runs/${encodeURIComponent(runId)}/logs`, { step: opts.step, item: opts.item, tail: opts.tail });
        if (opts.json) return printJson(res);
        process.stdout.write(res.lines.map((l) => l + '\n').join(''));
      }),
    );

  const again = (name: string, desc: string, withSteps: boolean) => {
    const cmd = p.command(`${name} <run>`).description(desc).option('--json', 'print JSON').option('--detach', 'do not follow (needs a server)');
    if (withSteps) cmd.option('--step <name>', 'run this step (and everything after it) again (repeatable)', collect);
    cmd.action(async (runId: string, opts: { json?: boolean; detach?: boolean; step?: string[] }) =>
      withConn(program, async (c) => {
        const { run } = await c.call<{ run: RunJson }>('POST', `${API}/runs/${encodeURIComponent(runId)}/resume`, opts.step ? { steps: opts.step } : {});
        if (opts.detach && c.mode === 'remote') return opts.json ? printJson({ run }) : void process.stdout.write(`${run.run_id} ${run.status}\n`);
        await finish(c, run.run_id, opts.json);
      }),
    );
  };
  again('resume', 'Run again what failed, was cancelled or skipped; reuse what succeeded', false);
  again('retry', 'Like resume; with --step, also re-run those steps and everything downstream', true);

  p.command('cancel <run>')
    .description('Cancel a run: running steps are killed with their whole process trees')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { json?: boolean }) =>
      withConn(program, async (c) => {
        const { run } = await c.call<{ run: RunJson }>('POST', `${API}/runs/${encodeURIComponent(runId)}/cancel`);
        if (opts.json) return printJson({ run });
        process.stdout.write(`Pipeline run ${run.run_id} ${run.status}.\n`);
      }),
    );
}
