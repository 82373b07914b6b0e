import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_MODES, runCli, useCliModes } from './helpers/cli.js';

const cli = runCli;

describe('trainyard CLI', () => {
  const fx = useCliModes('ty-cli-');

  for (const mode of CLI_MODES) {
    describe(mode, () => {
      const env = () => fx.env(mode);

      it('creates, lists and deletes experiments, as a table and as JSON', async () => {
        const created = await cli(['experiments', 'create', 'adult-income'], env());
        expect(created.code).toBe(0);
        const id = created.stdout.trim();
        expect(id).toMatch(/^\d+$/);
        const table = await cli(['experiments', 'list'], env());
        expect(table.stdout).toMatch(/ID\s+NAME/);
        expect(table.stdout).toContain('adult-income');
        const json = JSON.parse((await cli(['experiments', 'list', '--json'], env())).stdout);
        expect(json.map((e: { name: string }) => e.name)).toContain('adult-income');
        expect((await cli(['experiments', 'delete', id], env())).code).toBe(0);
        const deleted = JSON.parse((await cli(['experiments', 'list', '--view', 'deleted', '--json'], env())).stdout);
        expect(deleted.map((e: { experiment_id: string }) => e.experiment_id)).toContain(id);
      });

      it('lists runs with a filter and order, shows and deletes one', async () => {
        const base = mode === 'server' ? fx.url() : undefined;
        // Seed runs through the same interface the user has: the CLI has no logging commands, so
        // use the HTTP API in server mode and the SDK transport in embedded mode.
        const { connect } = await import('../src/client/connect.js');
        const t = await connect(base ? { uri: base } : { home: join(fx.dir(), 'local') });
        const ids: string[] = [];
        for (const acc of [0.7, 0.9, 0.8]) {
          const { run } = await t.call<any>('POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0' });
          await t.call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: run.info.run_id, metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0 }], params: [{ key: 'model', value: 'tree' }] });
          ids.push(run.info.run_id);
        }
        await t.close();
        const res = await cli(['runs', 'list', '-e', '0', '--filter', "metrics.acc > 0.75 and params.model = 'tree'", '--order-by', 'metrics.acc DESC', '--json'], env());
        expect(res.code).toBe(0);
        const accs = JSON.parse(res.stdout).runs.map((r: any) => r.data.metrics[0].value);
        expect(accs).toEqual([0.9, 0.8]);
        const show = await cli(['runs', 'show', ids[0]!], env());
        expect(show.stdout).toContain('acc = 0.7');
        expect(show.stdout).toContain('model = tree');
        expect((await cli(['runs', 'delete', ids[0]!], env())).code).toBe(0);
        const after = JSON.parse((await cli(['runs', 'list', '-e', '0', '--json'], env())).stdout);
        expect(after.runs.map((r: any) => r.info.run_id)).not.toContain(ids[0]);
      });

      it('answers bad input with one line on stderr and a non-zero exit', async () => {
        for (const args of [
          ['runs', 'list', '-e', '0', '--filter', 'metrics.acc > 1 OR x'],
          ['runs', 'show', 'no-such-run'],
          ['runs', 'list', '--view', 'sideways'],
          ['experiments', 'delete', 'abc'],
          ['experiments', 'frobnicate'],
        ]) {
          const res = await cli(args, env());
          expect(res.code, args.join(' ')).not.toBe(0);
          const lines = res.stderr.trim().split('\n');
          expect(lines.length, res.stderr).toBe(1);
          expect(lines[0]).toMatch(/^trainyard: error/);
        }
      });
    });
  }

  it('rejects a bad --port with a clear message', async () => {
    const res = await cli(['server', '--port', 'seventy'], { TRAINYARD_HOME: join(fx.dir(), 'x') });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/port/);
  });
});
