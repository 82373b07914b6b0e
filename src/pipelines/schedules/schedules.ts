/**
 * @module Schedules: a pipeline file fired on a cron. Each replica arms one timer for the next
 * due schedule (no polling of runs); a tick fires once across replicas because the fire is an
 * INSERT of (schedule, tick time) under a primary key: the replica whose insert lands submits
 * the run, the others see the conflict and skip. Cron strings are parsed by croner.
 */
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { isUniqueViolation } from '../../store/index.js';
import { NotFound } from '../../core/errors.js';
import { PipelineDefinitionError } from '../definition/pipeline-error.js';
import { loadPipelineFile } from '../definition/load-pipeline-file.js';
import type { PipelineScheduler } from '../scheduler/scheduler.js';

export interface ScheduleJson {
  schedule_id: string;
  pipeline: string;
  file: string;
  cron: string;
  params: Record<string, unknown>;
  executor: string;
  /** false: every run it fires reruns every step (`--no-cache`). */
  use_cache: boolean;
  next_fire_at: number;
}

// Another replica may add a schedule: re-read the table this often to arm for it.
const RESCAN_MS = 30_000;

export function nextFire(cron: string, after: number): number {
  let c: Cron;
  try {
    c = new Cron(cron, { paused: true });
  } catch (e) {
    throw new PipelineDefinitionError(undefined, 'cron', `bad cron string '${cron}': ${(e as Error).message}`);
  }
  const n = c.nextRun(new Date(after));
  if (!n) throw new PipelineDefinitionError(undefined, 'cron', `cron string '${cron}' never fires.`);
  return n.getTime();
}

export class PipelineSchedules {
  private timer: NodeJS.Timeout | undefined;
  private rescan: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Runs this replica submitted, for tests and logs. */
  readonly fired: { scheduleId: string; fireAt: number; runId: string }[] = [];

  constructor(private readonly scheduler: PipelineScheduler) {}

  private get db() {
    return this.scheduler.store.db;
  }

  async create(o: { file: string; cron: string; params?: Record<string, unknown>; executor?: string; cache?: boolean }): Promise<ScheduleJson> {
    const next = nextFire(o.cron, Date.now());
    const { spec } = await loadPipelineFile(o.file);
    const id = `ps_${randomBytes(6).toString('hex')}`;
    await this.db.run('INSERT INTO pipeline_schedules (id, pipeline, file, cron, params, executor, use_cache, next_fire_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [id, spec.name, spec.source.file, o.cron, JSON.stringify(o.params ?? {}), o.executor ?? 'local', o.cache === false ? 0 : 1, next, Date.now()]);
    void this.arm();
    return (await this.list()).find((s) => s.schedule_id === id)!;
  }

  async list(): Promise<ScheduleJson[]> {
    const rows = await this.db.all<Record<string, unknown>>('SELECT * FROM pipeline_schedules ORDER BY created_at, id');
    return rows.map((r) => ({ schedule_id: r.id as string, pipeline: r.pipeline as string, file: r.file as string, cron: r.cron as string, params: JSON.parse(r.params as string), executor: r.executor as string, use_cache: Number(r.use_cache) !== 0, next_fire_at: Number(r.next_fire_at) }));
  }

  async delete(id: string): Promise<void> {
    const r = await this.db.run('DELETE FROM pipeline_schedules WHERE id = ?', [id]);
    if (r.changes === 0) throw new NotFound(`No pipeline schedule '${id}'.`);
  }

  /** Starts firing (the server calls it at start). */
  start(): void {
    this.rescan = setInterval(() => void this.arm(), RESCAN_MS);
    this.rescan.unref();
    void this.arm();
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const row = await this.db.one<{ t: number | null }>('SELECT MIN(next_fire_at) AS t FROM pipeline_schedules').catch(() => undefined);
    if (this.timer) clearTimeout(this.timer);
    if (!row || row.t === null || row.t === undefined) return;
    const delay = Math.max(0, Math.min(Number(row.t) - Date.now(), 2 ** 31 - 1));
    this.timer = setTimeout(() => void this.fireDue().catch(() => {}).finally(() => this.arm()), delay);
    this.timer.unref();
  }

  private async fireDue(): Promise<void> {
    const now = Date.now();
    const due = (await this.list()).filter((s) => s.next_fire_at <= now);
    for (const s of due) {
      // A schedule late by several ticks fires once (the latest due tick), like cron after a sleep.
      const tick = s.next_fire_at;
      let won = false;
      try {
        await this.db.run('INSERT INTO pipeline_schedule_fires (schedule_id, fire_at) VALUES (?, ?)', [s.schedule_id, tick]);
        won = true;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
      await this.db.run('UPDATE pipeline_schedules SET next_fire_at = ? WHERE id = ? AND next_fire_at = ?', [nextFire(s.cron, Math.max(now, tick)), s.schedule_id, tick]);
      if (!won) continue;
      try {
        const { spec } = await loadPipelineFile(s.file);
        const run = await this.scheduler.submit(spec, { params: s.params, executor: s.executor, cache: s.use_cache });
        await this.db.run('UPDATE pipeline_schedule_fires SET run_id = ? WHERE schedule_id = ? AND fire_at = ?', [run.id, s.schedule_id, tick]);
        this.fired.push({ scheduleId: s.schedule_id, fireAt: tick, runId: run.id });
      } catch (e) {
        console.error(`[trainyard] schedule ${s.schedule_id} (${s.file}) could not start a run: ${(e as Error).message}`);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.rescan) clearInterval(this.rescan);
  }
}
