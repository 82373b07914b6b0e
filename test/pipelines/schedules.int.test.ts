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
});
