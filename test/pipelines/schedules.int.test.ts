import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineSchedules, PipelineScheduler, PipelineStore, nextFire } from '../../src/pipelines/index.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { pipelineFixture, type PipelineFixture } from '../helpers/pipelines.js';

describe('pipeline schedules', () => {
  let f: PipelineFixture;
  let other: Database | undefined;
  const stops: (() => void)[] = [];
  afterAll(async () => {
    for (const s of stops) s();
    await other?.close();
    await f?.close();
  });

  it('refuses a bad cron string, naming the field', () => {
    expect(() => nextFire('61 * * * *', Date.now())).toThrow(/field 'cron': bad cron string '61 \* \* \* \*'/);
    expect(nextFire('0 3 * * *', Date.UTC(2026, 0, 1, 4))).toBe(Date.UTC(2026, 0, 2, 3));
  });

  it('fires once per tick with two server replicas on one PostgreSQL', async () => {
    f = await pipelineFixture('postgres');
    await f.compile('tick.yaml', 'name: tick\nsteps:\n  t:\n    command: "true"\n');
    // A second replica: its own connection pool and scheduler on the same database.
    other = await openDatabase(f.url, f.home);
    const replicaB = new PipelineScheduler({ store: new PipelineStore(other), home: f.home });
    const a = new PipelineSchedules(f.scheduler);
    const b = new PipelineSchedules(replicaB);
    stops.push(() => a.stop(), () => b.stop(), () => void replicaB.close());
    a.start();
    b.start();
    await a.create({ file: `${f.dir}/tick.yaml`, cron: '* * * * * *' });
    await new Promise((r) => setTimeout(r, 4500));
    a.stop();
    b.stop();
    // A fire already won may still be submitting its run.
    await new Promise((r) => setTimeout(r, 1500));
    const fires = await f.db.all<{ fire_at: number; run_id: string | null }>('SELECT fire_at, run_id FROM pipeline_schedule_fires ORDER BY fire_at');
    expect(fires.length).toBeGreaterThanOrEqual(3);
    const ticks = fires.map((x) => Number(x.fire_at));
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect(t % 1000).toBe(0);
    const fired = [...a.fired, ...b.fired];
    expect(fired.length).toBe(fires.length);
    const runs = await f.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM pipeline_runs WHERE pipeline = 'tick'");
    expect(Number(runs[0]!.n)).toBe(fires.length);
  }, 60_000);

  it('a schedule stored with --no-cache reruns every step on every fire; one without serves repeats from the cache', async () => {
    const g = await pipelineFixture('sqlite');
    const sched = new PipelineSchedules(g.scheduler);
    try {
      const yaml = (name: string) => `name: ${name}\nsteps:\n  t:\n    command: |\n      echo '{"v": 1}' > {{outputs.o}}\n    outputs: { o: { type: value, path: o.json } }\n`;
      await g.compile('same.yaml', yaml('same'));
      await g.compile('fresh.yaml', yaml('fresh'));
      sched.start();
      const cached = await sched.create({ file: `${g.dir}/same.yaml`, cron: '* * * * * *' });
      const fresh = await sched.create({ file: `${g.dir}/fresh.yaml`, cron: '* * * * * *', cache: false });
      expect(cached.use_cache).toBe(true);
      expect(fresh.use_cache).toBe(false);
      const runsOf = async (pipeline: string) => {
        const rows = await g.db.all<{ id: string; use_cache: number }>('SELECT id, use_cache FROM pipeline_runs WHERE pipeline = ? ORDER BY created_at', [pipeline]);
        return Promise.all(rows.map(async (r) => ({ ...r, run: await g.scheduler.wait(r.id), steps: await g.store.steps(r.id) })));
      };
      const end = Date.now() + 15_000;
      while (Date.now() < end && ((await runsOf('same')).length < 3 || (await runsOf('fresh')).length < 3)) await new Promise((r) => setTimeout(r, 200));
      sched.stop();
      const same = await runsOf('same');
      const fr = await runsOf('fresh');
      expect(same.length).toBeGreaterThanOrEqual(3);
      expect(fr.length).toBeGreaterThanOrEqual(3);
      expect(same.every((r) => Number(r.use_cache) === 1)).toBe(true);
      expect(fr.every((r) => Number(r.use_cache) === 0)).toBe(true);
      // Every fresh run ran its step; the cached schedule's later runs took it from the first.
      expect(fr.map((r) => r.steps[0]!.status)).toEqual(fr.map(() => 'succeeded'));
      expect(same.slice(1).map((r) => r.steps[0]!.status)).toEqual(same.slice(1).map(() => 'cached'));
    } finally {
      sched.stop();
      await g.close();
    }
  }, 60_000);

  it('trainyard pipeline schedule --no-cache stores the flag (shown by schedules --json)', () => {
    const home = mkdtempSync(join(tmpdir(), 'ty-sched-cli-'));
    const file = join(home, 'nightly.yaml');
    writeFileSync(file, 'name: nightly\nsteps:\n  t:\n    command: "true"\n');
    const cli = (...a: string[]) => execFileSync(process.execPath, [join(process.cwd(), 'bin', 'trainyard.js'), ...a], { env: { ...process.env, TRAINYARD_HOME: home, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(cli('pipeline', 'schedule', file, '--cron', '0 3 * * *', '--no-cache')).toMatch(/no cache: every step reruns/);
    cli('pipeline', 'schedule', file, '--cron', '0 4 * * *');
    const { schedules } = JSON.parse(cli('pipeline', 'schedules', '--json')) as { schedules: { cron: string; use_cache: boolean }[] };
    expect(schedules.map((s) => [s.cron, s.use_cache])).toEqual([['0 3 * * *', false], ['0 4 * * *', true]]);
  }, 60_000);
});
