import type { Database } from '../store/index.js';

/**
 * Trainyard's own resources under MLflow's permission model: a study (by name), a pipeline run,
 * a pipeline schedule and a training job (by id; a job's rendezvous shares its id). Each has its
 * own grants in auth_permissions, like an experiment: the creator gets MANAGE, other users READ /
 * EDIT / MANAGE by a grant to them or to a team, else the server's default permission.
 */
export const NATIVE_RESOURCE_KINDS = ['study', 'pipeline_run', 'pipeline_schedule', 'job', 'compute'] as const;
export type NativeResourceKind = (typeof NATIVE_RESOURCE_KINDS)[number];

/**
 * The right to start commands on this server's executors and agents (pipeline runs, resumes,
 * schedules, elastic jobs placed on agents), like a Kubeflow namespace's edit role or an Airflow
 * role's "can create DAG runs": EDIT on `compute:server`, granted to a user or a team by an admin
 * (or by whoever an admin gave MANAGE on it). It never falls back to `--default-permission`:
 * a server that lets everyone read experiments does not thereby let everyone run commands.
 */
export const COMPUTE = { kind: 'compute', id: 'server' } as const;

export const isNativeKind = (kind: string): kind is NativeResourceKind => (NATIVE_RESOURCE_KINDS as readonly string[]).includes(kind);

/** Whether the resource exists now (an `orCreate` rule lets anyone create one that does not). */
export async function nativeResourceExists(db: Database, kind: string, id: string): Promise<boolean> {
  switch (kind) {
    case 'study':
      return Boolean(await db.one('SELECT 1 AS x FROM tuning_studies WHERE name = ?', [id]));
    case 'job':
      // A node can join a job's rendezvous before (or without) a supervisor claims the job.
      return Boolean((await db.one('SELECT 1 AS x FROM launch_jobs WHERE id = ?', [id])) ?? (await db.one('SELECT 1 AS x FROM launch_rendezvous WHERE job_id = ?', [id])));
    case 'pipeline_run':
      return Boolean(await db.one('SELECT 1 AS x FROM pipeline_runs WHERE id = ?', [id]));
    case 'pipeline_schedule':
      return Boolean(await db.one('SELECT 1 AS x FROM pipeline_schedules WHERE id = ?', [id]));
    case 'compute':
      return id === COMPUTE.id;
    default:
      return true;
  }
}

/**
 * Where a pipeline run's permissions live: a run a schedule fired belongs to the schedule (whoever
 * may see the schedule sees what it started); any other run has its own grants.
 */
export async function pipelineRunTarget(db: Database, runId: string): Promise<{ kind: string; id: string }> {
  const fired = await db.one<{ schedule_id: string }>('SELECT schedule_id FROM pipeline_schedule_fires WHERE run_id = ?', [runId]);
  return fired ? { kind: 'pipeline_schedule', id: fired.schedule_id } : { kind: 'pipeline_run', id: runId };
}
