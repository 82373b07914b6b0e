import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { CLI_MODES, runCli, useCliModes } from './helpers/cli.js';

const cli = runCli;

/** `trainyard models ...` against a spawned server and embedded on a local store (needs `npm run build`). */
describe('trainyard models CLI', () => {
  const fx = useCliModes('ty-models-cli-');

  for (const mode of CLI_MODES) {
    describe(mode, () => {
      const env = () => fx.env(mode);

      /** A run holding `model/weights.bin` and `model/MLmodel`, made through the SDK transport. */
      async function seedRun(): Promise<{ runId: string; artifactUri: string }> {
        const t = await connect(mode === 'server' ? { uri: fx.url() } : { home: join(fx.dir(), 'local') });
        try {
          const { run } = await t.call<any>('POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0' });
          const dir = mkdtempSync(join(tmpdir(), 'ty-cli-model-'));
          writeFileSync(join(dir, 'weights.bin'), 'w1');
          writeFileSync(join(dir, 'MLmodel'), 'artifact_path: model\nflavors: {onnx: {}}\n');
          await t.artifacts.upload(run.info.artifact_uri, 'model/weights.bin', join(dir, 'weights.bin'));
          await t.artifacts.upload(run.info.artifact_uri, 'model/MLmodel', join(dir, 'MLmodel'));
          rmSync(dir, { recursive: true, force: true });
          return { runId: run.info.run_id, artifactUri: run.info.artifact_uri };
        } finally {
          await t.close();
        }
      }

      it('registers, lists, shows, aliases, promotes with review and downloads', async () => {
        const { runId } = await seedRun();
        const reg = await cli(['models', 'register', 'fraud', `runs:/${runId}/model`, '--description', 'xgb', '--tag', 'team=risk', '--json'], env());
        expect(reg.code, reg.stderr).toBe(0);
        expect(JSON.parse(reg.stdout)).toMatchObject({ name: 'fraud', version: '1', run_id: runId, tags: [{ key: 'team', value: 'risk' }] });
        expect((await cli(['models', 'register', 'fraud', `runs:/${runId}/model`], env())).stdout).toContain('Registered fraud version 2');
        const list = JSON.parse((await cli(['models', 'list', '--json'], env())).stdout);
        expect(list.registered_models.map((m: any) => m.name)).toContain('fraud');
        expect((await cli(['models', 'list'], env())).stdout).toMatch(/NAME\s+LATEST/);
        const versions = JSON.parse((await cli(['models', 'versions', 'fraud', '--json'], env())).stdout);
        expect(versions.map((v: any) => v.version)).toEqual(['2', '1']);
        const alias = await cli(['models', 'alias', 'fraud', 'shadow', '2'], env());
        expect(alias.stdout).toBe('fraud@shadow -> version 2\n');
        expect(JSON.parse((await cli(['models', 'alias', 'fraud', '@shadow', '--json'], env())).stdout).version).toBe('2');
        expect((await cli(['models', 'alias', 'fraud', 'shadow', '--delete'], env())).code).toBe(0);

        const req = JSON.parse((await cli(['models', 'promote', 'fraud', '1', '--alias', 'champion', '--comment', 'holdout +2%', '--user', 'ana', '--json'], env())).stdout);
        expect(req).toMatchObject({ status: 'PENDING', target: '@champion', requested_by: 'ana' });
        const pending = await cli(['models', 'promote', 'fraud', '--pending'], env());
        expect(pending.stdout).toContain(req.request_id);
        const self = await cli(['models', 'promote', 'fraud', '--approve', req.request_id, '--user', 'ana'], env());
        expect(self.code).not.toBe(0);
        expect(self.stderr).toMatch(/^trainyard: error: .*another user/);
        const ok = await cli(['models', 'promote', 'fraud', '--approve', req.request_id, '--user', 'bo'], env());
        expect(ok.stdout).toContain('is APPROVED');
        const show = await cli(['models', 'show', 'fraud'], env());
        expect(show.stdout).toContain('@champion -> version 1');

        const dst = join(fx.dir(), `dl-${mode}`);
        const dl = await cli(['models', 'download', 'fraud', '--dst', dst], env());
        expect(dl.code, dl.stderr).toBe(0);
        expect(dl.stdout.trim()).toBe(dst);
        expect(readFileSync(join(dst, 'weights.bin'), 'utf8')).toBe('w1');
        writeFileSync(join(dst, 'weights.bin'), 'w2');
        const tampered = await cli(['models', 'download', 'fraud', '@champion', '--dst', dst], env());
        expect(tampered.code).not.toBe(0);
        expect(tampered.stderr).toMatch(/^trainyard: error: Integrity check failed .*'weights\.bin'/);
        expect((await cli(['models', 'download', 'fraud', '@champion', '--dst', dst, '--force', '--json'], env())).code).toBe(0);
      });

      it('answers bad input with one line on stderr and a non-zero exit', async () => {
        mkdirSync(join(fx.dir(), 'local'), { recursive: true });
        for (const args of [
          ['models', 'show', 'no-such-model'],
          ['models', 'versions', 'no-such-model'],
          ['models', 'register', 'm', 'runs:/nope/model'],
          ['models', 'register', 'm', '/etc/passwd'],
          ['models', 'alias', 'no-such-model', 'latest', '1'],
          ['models', 'promote', 'no-such-model', '1'],
          ['models', 'download', 'no-such-model'],
          ['models', 'list', '--filter', 'name = unquoted'],
          ['models', 'frobnicate'],
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
});
