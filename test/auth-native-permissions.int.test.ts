import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../src/pipelines/index.js';
import { startAuthServer, type AuthServer } from './helpers/auth-server.js';
import { DIALECTS } from './helpers/databases.js';

/**
 * Studies, pipeline runs and jobs under `--auth`: the creator manages them, a READ grant lets a
 * user look but not tell a trial / cancel a run / cancel a job, EDIT lets them, a team's grant
 * reaches its members, and lists show only what the caller may read.
 */
describe.each(DIALECTS)('permissions on studies, pipeline runs and jobs (%s)', (dialect) => {
  let s: AuthServer;
  const who: Record<string, string> = {};
  let runId = '';
  let trial = 0;
  const study = `churn-${dialect}`;
  const job = `job-${dialect}`;
  const grant = (resource: string, to: { username: string } | { team: string }, permission: string) =>
    s.call(who.alice, 'POST', '/api/v1/permissions', { resource, ...to, permission });

  beforeAll(async () => {
    s = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' });
    for (const name of ['alice', 'reader', 'editor', 'teamie', 'outsider']) who[name] = await s.user(name);
    // Starting a pipeline run needs compute, which only an admin gives.
    expect((await s.call(s.admin, 'POST', '/api/v1/permissions', { resource: 'compute:server', username: 'alice', permission: 'EDIT' })).status).toBe(200);
    // alice makes one of each; none of them is an admin.
    expect((await s.call(who.alice, 'POST', '/api/v1/studies', { name: study, direction: 'minimize' })).status).toBe(200);
    trial = (await s.call(who.alice, 'POST', `/api/v1/studies/${study}/ask`, {})).body.trial.number;
    const dir = mkdtempSync(join(tmpdir(), 'ty-native-perms-'));
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, 'name: slow\nsteps:\n  wait:\n    command: sleep 30\n');
    const submitted = await s.call(who.alice, 'POST', '/api/v1/pipelines/runs', { spec: (await loadPipelineFile(file)).spec, executor: 'local' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    runId = submitted.body.run.run_id;
    const claimed = await s.call(who.alice, 'POST', '/api/v1/jobs', { job_id: job, spec: { command: ['t.py'] }, supervisor: { nonce: 'n1', pid: process.pid, host: 'h' } });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    // Grants: reader READ, editor EDIT on all three; team `ml` (teamie) EDIT on the pipeline run.
    for (const r of [`study:${study}`, `pipeline_run:${runId}`, `job:${job}`]) {
      expect((await grant(r, { username: 'reader' }, 'READ')).status).toBe(200);
      expect((await grant(r, { username: 'editor' }, 'EDIT')).status).toBe(200);
    }
    expect((await s.call(s.admin, 'POST', '/api/v1/teams', { name: 'ml' })).status).toBe(200);
    expect((await s.call(s.admin, 'POST', '/api/v1/teams/ml/members', { username: 'teamie' })).status).toBe(200);
    expect((await grant(`pipeline_run:${runId}`, { team: 'ml' }, 'EDIT')).status).toBe(200);
  });
  afterAll(async () => {
    if (s && runId) await s.call(s.admin, 'POST', `/api/v1/pipelines/runs/${runId}/cancel`, {});
    await s?.close();
  });

  it('lists show a user only what they may read', async () => {
    const names = async (u: string) => (await s.call(u, 'GET', '/api/v1/studies')).body.studies.map((x: any) => x.name);
    const runs = async (u: string) => (await s.call(u, 'GET', '/api/v1/pipelines/runs')).body.runs.map((x: any) => x.run_id);
    const jobs = async (u: string) => (await s.call(u, 'GET', '/api/v1/jobs')).body.jobs.map((x: any) => x.job_id);
    expect(await names(who.reader!)).toContain(study);
    expect(await names(who.outsider!)).not.toContain(study);
    expect(await runs(who.reader!)).toContain(runId);
    expect(await runs(who.outsider!)).not.toContain(runId);
    expect(await jobs(who.reader!)).toContain(job);
    expect(await jobs(who.outsider!)).not.toContain(job);
    expect(await runs(s.admin)).toContain(runId);
    // Reading one needs READ.
    expect((await s.call(who.outsider, 'GET', `/api/v1/studies/${study}`)).status).toBe(403);
    expect((await s.call(who.outsider, 'GET', `/api/v1/pipelines/runs/${runId}`)).status).toBe(403);
    expect((await s.call(who.outsider, 'GET', `/api/v1/jobs/${job}`)).status).toBe(403);
    expect((await s.call(who.reader, 'GET', `/api/v1/jobs/${job}`)).status).toBe(200);
  });

  it('a READ user cannot tell a trial, cancel a pipeline run or cancel a job', async () => {
    const tell = await s.call(who.reader, 'POST', `/api/v1/studies/${study}/trials/${trial}/tell`, { values: [1.5] });
    expect(tell.status).toBe(403);
    expect(tell.body.error_code).toBe('PERMISSION_DENIED');
    expect(tell.body.message).toContain('EDIT');
    expect((await s.call(who.reader, 'POST', `/api/v1/pipelines/runs/${runId}/cancel`, {})).status).toBe(403);
    expect((await s.call(who.reader, 'POST', `/api/v1/jobs/${job}/cancel`, {})).status).toBe(403);
    // Nothing changed.
    expect((await s.call(who.reader, 'GET', `/api/v1/studies/${study}/trials/${trial}`)).body.trial.state).toBe('RUNNING');
    expect((await s.call(who.reader, 'GET', `/api/v1/jobs/${job}`)).body.job.state).not.toBe('cancelled');
    // Nor grant itself more.
    expect((await s.call(who.reader, 'POST', '/api/v1/permissions', { resource: `study:${study}`, username: 'reader', permission: 'MANAGE' })).status).toBe(403);
  });

  it('an EDIT user can tell a trial and cancel a job, but not delete the study', async () => {
    const tell = await s.call(who.editor, 'POST', `/api/v1/studies/${study}/trials/${trial}/tell`, { values: [1.5] });
    expect(tell.status, JSON.stringify(tell.body)).toBe(200);
    expect(tell.body.trial.state).toBe('COMPLETE');
    const cancel = await s.call(who.editor, 'POST', `/api/v1/jobs/${job}/cancel`, {});
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect((await s.call(who.editor, 'DELETE', `/api/v1/studies/${study}`)).status).toBe(403);
  });

  it("a team's EDIT grant lets its member cancel the pipeline run", async () => {
    expect((await s.call(who.teamie, 'GET', `/api/v1/studies/${study}`)).status).toBe(403);
    const cancel = await s.call(who.teamie, 'POST', `/api/v1/pipelines/runs/${runId}/cancel`, {});
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    const team = await s.call(who.teamie, 'GET', '/api/v1/teams/ml');
    expect(team.body.team.permissions).toEqual([{ resource: `pipeline_run:${runId}`, permission: 'EDIT' }]);
    // The owner sees the grants.
    const grants = await s.call(who.alice, 'GET', '/api/v1/permissions', { resource: `pipeline_run:${runId}` });
    expect(grants.body.permissions).toEqual(expect.arrayContaining([{ username: 'alice', permission: 'MANAGE' }, { team: 'ml', permission: 'EDIT' }]));
  });

  it('a grant names a known kind and one principal, or is refused with the fix', async () => {
    const kind = await s.call(who.alice, 'POST', '/api/v1/permissions', { resource: 'experiment:0', username: 'reader', permission: 'READ' });
    expect(kind.status).toBe(403);
    expect(kind.body.message).toContain('study, pipeline_run, pipeline_schedule, job');
    const both = await s.call(who.alice, 'POST', '/api/v1/permissions', { resource: `job:${job}`, username: 'reader', team: 'ml', permission: 'READ' });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain("'username' or 'team'");
    const level = await s.call(who.alice, 'POST', '/api/v1/permissions', { resource: `job:${job}`, username: 'reader', permission: 'OWNER' });
    expect(level.status).toBe(400);
    expect(level.body.message).toContain('READ, EDIT, MANAGE, NO_PERMISSIONS');
    expect((await s.call(s.admin, 'POST', '/api/v1/permissions', { resource: `job:${'j'.repeat(5000)}`, username: 'reader', permission: 'READ' })).status).toBe(400);
  });

  it('nobody takes over an existing study or job by creating it again', async () => {
    const join = await s.call(who.outsider, 'POST', '/api/v1/studies', { name: study, load_if_exists: true });
    expect(join.status).toBe(403);
    const claim = await s.call(who.outsider, 'POST', '/api/v1/jobs', { job_id: job, spec: { command: ['t.py'] }, supervisor: { nonce: 'evil', pid: process.pid, host: 'h' } });
    expect(claim.status).toBe(403);
    expect((await s.call(who.outsider, 'POST', `/api/v1/rendezvous/${job}/join`, { node_id: 'n', host: 'h', addr: '127.0.0.1', port: 1, min_nodes: 1, max_nodes: 1, nproc_per_node: 1 })).status).toBe(403);
    // A name freed by a delete starts over: the new creator's grant only.
    expect((await s.call(who.alice, 'DELETE', `/api/v1/studies/${study}`)).status).toBe(200);
    expect((await s.call(who.outsider, 'POST', '/api/v1/studies', { name: study })).status).toBe(200);
    expect((await s.call(who.reader, 'GET', `/api/v1/studies/${study}`)).status).toBe(403);
    expect((await s.call(who.alice, 'GET', `/api/v1/studies/${study}`)).status).toBe(403);
    expect((await s.call(who.outsider, 'GET', `/api/v1/studies/${study}`)).status).toBe(200);
  });
});
