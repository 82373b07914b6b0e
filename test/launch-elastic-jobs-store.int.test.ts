/**
 * The elastic job record on both real stores (no processes): the first joins open one job and
 * one tracking run, each rendezvous transition lands on the job in the same transaction, the
 * checkpoint keeps the latest step, and a cancel through the jobs API reaches the nodes.
 */
import { describe, expect, it } from 'vitest';
import { ElasticJobRecord, JobsService, RendezvousService } from '../src/launch/index.js';
import { migrate, openDatabase } from '../src/store/index.js';
import { createTracking } from '../src/tracking/index.js';
import { createTestDatabase, DIALECTS } from './helpers/databases.js';

const cfg = { min: 2, max: 2, nproc: 2, maxRestarts: 1, joinTimeoutMs: 60_000, lastCallMs: 0, nodeTimeoutMs: 60_000 };
const spec = { command: ['train.py', '--epochs', '2'], nnodes: { min: 2, max: 2 }, nprocPerNode: 2, maxRestarts: 1, python: '/usr/bin/python3', experiment: 'elastic-store' };
const node = (id: string, i: number) => ({ nodeId: id, host: 'h', addr: `10.0.0.${i + 1}`, port: 31000 + i });

describe.each(DIALECTS)('elastic job record on %s', (dialect) => {
  it('one job and one run for concurrent first joins; rounds, failure, checkpoint, logs and cancel on the job and run', async () => {
    const t = await createTestDatabase(dialect);
    const db = await openDatabase(t.url, t.home);
    try {
      await migrate(db);
      const tracking = createTracking(db);
      const rdzv = new RendezvousService(db, Date.now, new ElasticJobRecord(db, tracking));
      const jobs = new JobsService(db);
      const views = await Promise.all([rdzv.join('ej', cfg, node('n1', 0), spec), rdzv.join('ej', cfg, node('n2', 1), spec)]);
      const job = await jobs.get('ej');
      expect(job).toMatchObject({ kind: 'elastic', state: 'running', attempts: 1, restarts: 0, supervisor: { alive: true } });
      expect(views.every((v) => v.run_id === job.run_id)).toBe(true);
      expect(views[0]!.artifact_uri).toMatch(new RegExp(`${job.run_id}/artifacts$`));
      const exp = await tracking.experiments.getByName('elastic-store');
      expect(job.experiment_id).toBe(exp.experiment_id);
      const runs = await db.all<{ run_uuid: string }>('SELECT run_uuid FROM runs WHERE experiment_id = ?', [Number(exp.experiment_id)]);
      expect(runs.map((r) => r.run_uuid)).toEqual([job.run_id]);
      const run = await tracking.runs.get(job.run_id!);
      expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'launch.nnodes', value: '2:2' }, { key: 'launch.python', value: '/usr/bin/python3' }]));
      expect(job.elastic).toMatchObject({ phase: 'running', round: 1, min_nodes: 2, max_nodes: 2, rounds: [{ round: 1, world_size: 4 }] });
      expect(job.elastic!.rounds[0]!.nodes.sort()).toEqual(['n1', 'n2']);

      // A single-machine launch of the same id is refused, and the other way round.
      await expect(jobs.claim({ jobId: 'ej', spec: {}, supervisor: { nonce: 'x', pid: 1, host: 'h' } })).rejects.toThrow(/elastic multi-node job/);
      await jobs.claim({ jobId: 'single', spec: {}, supervisor: { nonce: 'x', pid: 1, host: 'h' } });
      await expect(rdzv.join('single', { ...cfg, min: 1 }, node('n1', 0))).rejects.toThrow(/single-machine job/);

      // A rank's failure restarts the round: the job says which node and rank.
      await rdzv.report('ej', { nodeId: 'n2', round: 1, workers: 'failed', failure: { rank: 3, message: 'rank 3 exited with code 1' } });
      let j = await jobs.get('ej');
      expect(j).toMatchObject({ state: 'restarting', restarts: 1, failure: { reason: 'worker-failure', node: 'n2', rank: 3, round: 1 } });
      await Promise.all([rdzv.join('ej', cfg, node('n1', 2)), rdzv.join('ej', cfg, node('n2', 3))]);
      expect((await jobs.get('ej')).state).toBe('running');

      // Checkpoints: the latest step wins, a repeat from a node sharing the folder is not an event.
      expect(await rdzv.checkpoint('ej', 'n1', { step: 20, path: '/c/step-20.pt', sha256: 'a'.repeat(64) })).toEqual({ recorded: true });
      expect(await rdzv.checkpoint('ej', 'n2', { step: 20, path: '/c/step-20.pt', sha256: 'a'.repeat(64) })).toEqual({ recorded: false });
      expect(await rdzv.checkpoint('ej', 'n2', { step: 10, path: '/c/step-10.pt', sha256: 'b'.repeat(64) })).toEqual({ recorded: false });
      await rdzv.logs('ej', 'n1', 1, [{ rank: 0, stream: 'stdout', artifact_path: 'logs/round-1/node-n1/rank-0.stdout.log' }]);
      j = await jobs.get('ej');
      expect(j.checkpoint).toEqual({ step: 20, path: '/c/step-20.pt', sha256: 'a'.repeat(64) });
      expect(j.events!.filter((e) => e.kind === 'checkpoint')).toHaveLength(1);
      expect(j.events!.find((e) => e.kind === 'logs')!.detail.files).toEqual([{ attempt: 1, node: 'n1', rank: 0, stream: 'stdout', artifact_path: 'logs/round-1/node-n1/rank-0.stdout.log' }]);
      expect((await tracking.runs.get(j.run_id!)).data.tags).toEqual(expect.arrayContaining([{ key: 'trainyard.checkpoint.step', value: '20' }, { key: 'trainyard.launch.failed_node', value: 'n2' }]));

      // Cancel through the jobs API: the next beat tells the node, the job and run end.
      expect((await jobs.cancel('ej')).cancel_requested).toBe(true);
      const v = await rdzv.report('ej', { nodeId: 'n1', round: 2, workers: 'running' });
      const after = await rdzv.report('ej', { nodeId: 'n1', round: 2, workers: 'running' });
      expect([v.phase, after.phase]).toContain('cancelled');
      j = await jobs.get('ej');
      expect(j).toMatchObject({ state: 'cancelled', ended_at: expect.any(Number) });
      expect(j.events!.filter((e) => e.kind === 'transition').map((e) => e.state)).toEqual(['pending', 'running', 'restarting', 'running', 'cancelled']);
      expect((await tracking.runs.get(j.run_id!)).info.status).toBe('KILLED');
      await expect(rdzv.join('ej', cfg, node('n3', 4))).rejects.toThrow(/job ej has cancelled/);
      expect((await jobs.list()).jobs.map((x) => [x.job_id, x.kind])).toEqual(expect.arrayContaining([['ej', 'elastic'], ['single', 'single']]));
    } finally {
      await db.close();
      await t.drop();
    }
  }, 60_000);

  it('a job its nodes leave on purpose, below MIN, ends cancelled (its run KILLED), not failed', async () => {
    const t = await createTestDatabase(dialect);
    const db = await openDatabase(t.url, t.home);
    try {
      await migrate(db);
      const tracking = createTracking(db);
      const rdzv = new RendezvousService(db, Date.now, new ElasticJobRecord(db, tracking));
      const jobs = new JobsService(db);
      await Promise.all([rdzv.join('bye', cfg, node('n1', 0), spec), rdzv.join('bye', cfg, node('n2', 1), spec)]);
      expect((await jobs.get('bye')).state).toBe('running');
      await rdzv.leave('bye', 'n2', 'SIGTERM');
      const j = await jobs.get('bye');
      expect(j).toMatchObject({ state: 'cancelled', restarts: 0, ended_at: expect.any(Number) });
      expect(j.failure ?? null).toBeNull();
      // The leave ends the round (restarting, no restart used), and the job, in one call.
      expect(j.events!.filter((e) => e.kind === 'transition').map((e) => e.state)).toEqual(['pending', 'running', 'restarting', 'cancelled']);
      expect((await tracking.runs.get(j.run_id!)).info.status).toBe('KILLED');
      // The node left behind hears why on its next beat.
      const v = await rdzv.report('bye', { nodeId: 'n1', round: 1, workers: 'running' });
      expect(v.phase).toBe('cancelled');
      expect(v.message).toMatch(/node n2 left \(SIGTERM\).*on purpose/);
    } finally {
      await db.close();
      await t.drop();
    }
  }, 60_000);
});
