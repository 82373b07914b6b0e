import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { loadPipelineFile } from '../src/pipelines/index.js';
import { openDatabase } from '../src/store/index.js';
import { migration021 } from '../src/store/migrations/021-compute-grants.js';
import { startAuthServer, type AuthServer } from './helpers/auth-server.js';
import { createTestDatabase, DIALECTS } from './helpers/databases.js';

/**
 * Compute on a team server: starting a pipeline run, resuming one, creating a schedule or placing
 * an elastic job on agents runs commands on the server's executors, so it needs EDIT on
 * `compute:server`, given by an admin to a user or a team. The server runs with
 * `--default-permission EDIT` (an open team server): the default must not hand out compute.
 */
describe.each(DIALECTS)('compute permission (%s)', (dialect) => {
  let s: AuthServer;
  const who: Record<string, string> = {};
  let spec: unknown;
  let file = '';
  const started: string[] = [];
  const start = async (u: string) => {
    const res = await s.call(u, 'POST', '/api/v1/pipelines/runs', { spec, executor: 'local' });
    if (res.status === 200) started.push(res.body.run.run_id);
    return res;
  };

  beforeAll(async () => {
    s = await startAuthServer(dialect, { defaultPermission: 'EDIT' });
    for (const name of ['ana', 'ben', 'cleo', 'dan']) who[name] = await s.user(name);
    const dir = mkdtempSync(join(tmpdir(), 'ty-compute-'));
    file = join(dir, 'quick.yaml');
    writeFileSync(file, 'name: quick\nsteps:\n  hello:\n    command: sleep 30\n');
    spec = (await loadPipelineFile(file)).spec;
  });
  afterAll(async () => {
    for (const id of started) await s?.call(s.admin, 'POST', `/api/v1/pipelines/runs/${id}/cancel`, {});
    await s?.close();
  });

  it('refuses a user without the grant with a 403 naming it, and starts nothing', async () => {
    const res = await start(who.ana!);
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('PERMISSION_DENIED');
    expect(res.body.message).toContain("needs EDIT on compute 'server'");
    expect(res.body.message).toContain('trainyard users grant ana --compute --permission EDIT');
    const schedule = await s.call(who.ana, 'POST', '/api/v1/pipelines/schedules', { file, cron: '0 3 * * *' });
    expect([schedule.status, schedule.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    const place = await s.call(who.ana, 'POST', '/api/v1/rendezvous/job-ana/place', { spec: { command: ['t.py'], nnodes: '1' } });
    expect([place.status, place.body.message]).toEqual([403, expect.stringContaining("compute 'server'")]);
    // Nothing was made: no run, no schedule, no job.
    expect((await s.call(s.admin, 'GET', '/api/v1/pipelines/runs')).body.runs).toEqual([]);
    expect((await s.call(s.admin, 'GET', '/api/v1/pipelines/schedules')).body.schedules).toEqual([]);
    expect((await s.call(s.admin, 'GET', '/api/v1/jobs/job-ana')).status).toBe(404);
    // Nor can a user give it to themselves (granting compute needs MANAGE on it: admins).
    const self = await s.call(who.ana, 'POST', '/api/v1/permissions', { resource: 'compute:server', username: 'ana', permission: 'EDIT' });
    expect(self.status).toBe(403);
    expect((await s.call(s.admin, 'POST', '/api/v1/permissions', { resource: 'compute:gpu-pool', username: 'ana', permission: 'EDIT' })).status).toBe(400);
  });

  it('lets a user an admin granted EDIT start, resume and schedule; READ is not enough', async () => {
    expect((await s.call(s.admin, 'POST', '/api/v1/permissions', { resource: 'compute:server', username: 'ana', permission: 'READ' })).status).toBe(200);
    expect((await start(who.ana!)).status).toBe(403);
    expect((await s.call(s.admin, 'POST', '/api/v1/permissions', { resource: 'compute:server', username: 'ana', permission: 'EDIT' })).status).toBe(200);
    const run = await start(who.ana!);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const schedule = await s.call(who.ana, 'POST', '/api/v1/pipelines/schedules', { file, cron: '0 3 * * *' });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(200);
    const listed = await s.call(s.admin, 'GET', '/api/v1/permissions', { resource: 'compute:server' });
    expect(listed.body.permissions).toEqual([{ username: 'ana', permission: 'EDIT' }]);
    // A revoke takes effect at once, resume included (EDIT on her own run is not enough).
    expect((await s.call(s.admin, 'DELETE', '/api/v1/permissions', { resource: 'compute:server', username: 'ana' })).status).toBe(200);
    const id = run.body.run.run_id as string;
    await s.call(who.ana, 'POST', `/api/v1/pipelines/runs/${id}/cancel`, {});
    const resume = await s.call(who.ana, 'POST', `/api/v1/pipelines/runs/${id}/resume`, {});
    expect([resume.status, resume.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    expect((await start(who.ana!)).status).toBe(403);
  });

  it("reaches a team's members through a team grant (trainyard teams grant --compute), not others", async () => {
    expect((await s.call(s.admin, 'POST', '/api/v1/teams', { name: 'trainers' })).status).toBe(200);
    expect((await s.call(s.admin, 'POST', '/api/v1/teams/trainers/members', { username: 'ben' })).status).toBe(200);
    // On the server's machine, as the README does it (same store, while the server runs).
    const cli = spawnSync(process.execPath, ['dist/cli/main.js', 'teams', 'grant', 'trainers', '--compute', '--permission', 'EDIT', '--db', s.db.url, '--home', s.db.home], { encoding: 'utf8', timeout: 30_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("Team 'trainers': EDIT on compute");
    expect((await start(who.ben!)).status).toBe(200);
    expect((await start(who.cleo!)).status).toBe(403);
  });

  it('keeps the right of every user who existed before the upgrade (migration 021), admins aside, and gives none to later users', async () => {
    const t = await createTestDatabase(dialect);
    const db = await openDatabase(t.url, t.home);
    try {
      const store = new AuthStore(db);
      const old = await store.createUser('old-timer', 'old-timer-password-1');
      const root = await store.createUser('old-root', 'old-root-password-1', true);
      // The migration's own statement, run on a store that already has users (as an upgrade does).
      await db.exec(migration021.sql[dialect]);
      const fresh = await store.createUser('newcomer', 'newcomer-password-1');
      expect(await store.effectivePermission('compute', 'server', old.id)).toBe('EDIT');
      expect(await store.effectivePermission('compute', 'server', root.id)).toBeUndefined();
      expect(await store.effectivePermission('compute', 'server', fresh.id)).toBeUndefined();
    } finally {
      await db.close();
      await t.drop();
    }
  });
});
