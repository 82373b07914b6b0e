/**
 * Agents (issue 9): what running a command step on an agent costs over running it locally.
 * A real server on loopback (SQLite) and one real `trainyard agent` process (the built CLI,
 * so run `npm run build` first); N `true` command steps one after another through the agents
 * executor, then the same N through the local executor in the same run (the baseline).
 * Figures: enqueue -> agent has it (the long-poll wake-up) p50/p99, and per-step total.
 * Usage: npx tsx bench/agents/run.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentsExecutor, AgentsService } from '../../src/agents/index.js';
import { LocalExecutor, runFunctionStep, type Executor, type StepTask } from '../../src/pipelines/index.js';
import { startServer } from '../../src/server/start-server.js';

const N = process.argv.includes('--quick') ? 30 : 200;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const r2 = (x: number) => Math.round(x * 100) / 100;

async function steps(executor: Executor, dir: string, tag: string) {
  const startedAfter: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const task: StepTask = { id: `pr_bench${tag}/s${i}#1`, pipelineRunId: `pr_bench${tag}`, pipeline: 'bench', step: `s${i}`, attempt: 1, kind: 'command', command: { shell: 'true' }, inputs: {}, params: {}, outputs: {}, env: {}, workdir: join(dir, tag, String(i)), cwd: dir };
    const s = performance.now();
    const h = executor.start(task, { started: () => startedAfter.push(performance.now() - s), log: () => {} });
    const o = await h.done;
    if (o.status !== 'succeeded') throw new Error(`step ${i} ${o.status}`);
  }
  return { perStep: (performance.now() - t0) / N, startedP50: pct(startedAfter, 50), startedP99: pct(startedAfter, 99) };
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'ty-bench-agents-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, home, db: undefined });
  const agent = spawn(process.execPath, [resolve('bin/trainyard.js'), 'agent', '--server', server.url, '--name', 'bench'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((ok) => agent.stderr!.on('data', (d: Buffer) => /connected/.test(d.toString()) && ok()));
  const agents = new AgentsService(server.db);
  const onAgent = await steps(new AgentsExecutor(agents), home, 'agents');
  const local = await steps(new LocalExecutor({ runFunctionTask: (t, e, s) => runFunctionStep(t, e, s) }, { concurrency: 1 }), home, 'local');
  agent.kill('SIGKILL');
  agents.close();
  await server.close();
  const rows = {
    steps: N,
    agents: { per_step_ms: r2(onAgent.perStep), enqueue_to_agent_p50_ms: r2(onAgent.startedP50), enqueue_to_agent_p99_ms: r2(onAgent.startedP99) },
    local_baseline: { per_step_ms: r2(local.perStep) },
  };
  writeFileSync('bench/results/agents.json', JSON.stringify(rows, null, 2) + '\n');
  writeFileSync(
    'bench/results/agents.md',
    `# Agents: a command step on an agent vs locally\n\n2 shared cores, SQLite store, one agent on loopback. \`npx tsx bench/agents/run.ts\`\n\n| Benchmark | Figure | Same-run baseline |\n|---|---|---|\n| ${N} \`true\` steps one after another on one agent | ${rows.agents.per_step_ms} ms/step; enqueue -> agent has it p50 ${rows.agents.enqueue_to_agent_p50_ms} ms, p99 ${rows.agents.enqueue_to_agent_p99_ms} ms | local executor ${rows.local_baseline.per_step_ms} ms/step |\n`,
  );
  console.log(JSON.stringify(rows));
}

void main().then(() => process.exit(0));
