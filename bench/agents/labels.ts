/**
 * Agent labels: what a step that needs labels costs over one that does not. A real server on
 * loopback (SQLite) and two real `trainyard agent` processes (the built CLI: `npm run build`
 * first), one without labels and one with `--labels gpu=a100`; N `true` steps, alternating
 * blocks of 10 plain steps (any agent: the unlabelled agent takes most) and 10 steps needing
 * gpu=a100 (only the labelled agent), interleaved so load hits both alike. Figures: enqueue ->
 * agent has it p50/p99, wall ms per step, and the server process's CPU ms per step (user+sys,
 * which survives load better than wall time). Prints the load average.
 * Usage: npx tsx bench/agents/labels.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentsExecutor, AgentsService } from '../../src/agents/index.js';
import type { StepTask } from '../../src/pipelines/index.js';
import { startServer } from '../../src/server/start-server.js';

const N = process.argv.includes('--quick') ? 60 : 200;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const load0 = loadavg()[0]!;
  const home = mkdtempSync(join(tmpdir(), 'ty-bench-labels-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, home, db: undefined });
  const start = (name: string, ...args: string[]) => {
    const child = spawn(process.execPath, [resolve('bin/trainyard.js'), 'agent', '--server', server.url, '--name', name, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise<typeof child>((ok) => child.stderr!.on('data', (d: Buffer) => /connected/.test(d.toString()) && ok(child)));
  };
  const plainAgent = await start('plain');
  const gpuAgent = await start('gpu', '--labels', 'gpu=a100');
  const agents = new AgentsService(server.db);
  const executor = new AgentsExecutor(agents);
  const out: Record<'plain' | 'labelled', { started: number[]; wall: number; cpu: number; n: number }> = {
    plain: { started: [], wall: 0, cpu: 0, n: 0 },
    labelled: { started: [], wall: 0, cpu: 0, n: 0 },
  };
  for (let i = 0; i < N; i++) {
    const kind = Math.floor(i / 10) % 2 === 0 ? 'plain' : 'labelled';
    const task: StepTask = { id: `pr_lb/s${i}#1`, pipelineRunId: 'pr_lb', pipeline: 'bench', step: `s${i}`, attempt: 1, kind: 'command', command: { shell: 'true' }, inputs: {}, params: {}, outputs: {}, env: {}, workdir: join(home, 'w', String(i)), cwd: home, ...(kind === 'labelled' ? { agentLabels: { gpu: 'a100' } } : {}) };
    const c0 = process.cpuUsage();
    const s = performance.now();
    const h = executor.start(task, { started: () => out[kind].started.push(performance.now() - s), log: () => {} });
    const o = await h.done;
    out[kind].wall += performance.now() - s;
    const c = process.cpuUsage(c0);
    out[kind].cpu += (c.user + c.system) / 1000;
    out[kind].n++;
    if (o.status !== 'succeeded') throw new Error(`step ${i} ${o.status}`);
  }
  plainAgent.kill('SIGKILL');
  gpuAgent.kill('SIGKILL');
  await executor.close();
  agents.close();
  await server.close();
  const row = (k: 'plain' | 'labelled') => ({ steps: out[k].n, enqueue_to_agent_p50_ms: r2(pct(out[k].started, 50)), enqueue_to_agent_p99_ms: r2(pct(out[k].started, 99)), wall_ms_per_step: r2(out[k].wall / out[k].n), server_cpu_ms_per_step: r2(out[k].cpu / out[k].n) });
  const result = { plain_baseline: row('plain'), labelled: row('labelled'), labelled_over_plain_cpu: r2(row('labelled').server_cpu_ms_per_step / row('plain').server_cpu_ms_per_step), load_avg_1m: { start: r2(load0), end: r2(loadavg()[0]!) } };
  console.log(JSON.stringify(result, null, 2));
}

void main().then(() => process.exit(0));
