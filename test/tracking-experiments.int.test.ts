import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createExperiment, createRun, getRun, ok, PREFIXES, uniqueName } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

describe.each(DIALECTS)('experiments API on %s', (dialect) => {
  const server = useServer(dialect);

  it('serves the Default experiment "0"', async () => {
    const s = server();
    const exp = ok(await s.mlflow('GET', '/experiments/get', { experiment_id: '0' })).experiment;
    expect(exp).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
    const byName = ok(await s.mlflow('GET', '/experiments/get-by-name', { experiment_name: 'Default' })).experiment;
    expect(byName.experiment_id).toBe('0');
  });

  it('answers /health and /version as text', async () => {
    const s = server();
    const health = await s.call('GET', '/health');
    expect(health).toEqual({ status: 200, body: 'OK' });
    const version = await s.call('GET', '/version');
    expect(version.status).toBe(200);
    expect(String(version.body)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('serves every MLflow tracking route under both prefixes, and unknown routes as ENDPOINT_NOT_FOUND', async () => {
    const s = server();
    const routes: [string, string][] = [
      ['POST', '/experiments/create'], ['GET', '/experiments/get'], ['GET', '/experiments/get-by-name'], ['POST', '/experiments/search'],
      ['GET', '/experiments/search'], ['POST', '/experiments/update'], ['POST', '/experiments/delete'], ['POST', '/experiments/restore'],
      ['POST', '/experiments/set-experiment-tag'], ['POST', '/experiments/delete-experiment-tag'], ['POST', '/runs/create'], ['POST', '/runs/update'],
      ['POST', '/runs/delete'], ['POST', '/runs/restore'], ['GET', '/runs/get'], ['POST', '/runs/search'], ['POST', '/runs/log-metric'],
      ['POST', '/runs/log-parameter'], ['POST', '/runs/set-tag'], ['POST', '/runs/delete-tag'], ['POST', '/runs/log-batch'],
      ['POST', '/runs/log-model'], ['POST', '/runs/log-inputs'], ['GET', '/metrics/get-history'], ['GET', '/metrics/get-history-bulk-interval'],
    ];
    for (const prefix of PREFIXES) {
      for (const [method, path] of routes) {
        const res = await s.call(method, prefix + path, method === 'POST' ? { experiment_id: 'x' } : { experiment_id: 'x' });
        expect({ route: `${method} ${prefix}${path}`, code: res.body?.error_code }).not.toEqual({ route: `${method} ${prefix}${path}`, code: 'ENDPOINT_NOT_FOUND' });
      }
    }
    const unknown = await s.call('POST', '/api/2.0/mlflow/runs/teleport', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('creates an experiment with tags and a default artifact location, and reads it by id and by name', async () => {
      const name = uniqueName();
      const before = Date.now();
      const created = ok(await api('POST', '/experiments/create', { name, tags: [{ key: 'team', value: 'vision' }], unknown_field: 1 }));
      expect(created.experiment_id).toMatch(/^\d+$/);
      const exp = ok(await api('GET', '/experiments/get', { experiment_id: created.experiment_id })).experiment;
      expect(exp).toMatchObject({
        experiment_id: created.experiment_id,
        name,
        lifecycle_stage: 'active',
        artifact_location: `mlflow-artifacts:/${created.experiment_id}`,
        tags: [{ key: 'team', value: 'vision' }],
      });
      expect(typeof exp.creation_time).toBe('number');
      expect(exp.creation_time).toBeGreaterThanOrEqual(before - 1000);
      expect(exp.last_update_time).toBeGreaterThanOrEqual(exp.creation_time);
      const byName = ok(await api('GET', '/experiments/get-by-name', { experiment_name: name })).experiment;
      expect(byName).toEqual(exp);
    });

    it('keeps an explicit artifact location', async () => {
      const id = ok(await api('POST', '/experiments/create', { name: uniqueName(), artifact_location: 's3://bucket/path' })).experiment_id;
      const exp = ok(await api('GET', '/experiments/get', { experiment_id: id })).experiment;
      expect(exp.artifact_location).toBe('s3://bucket/path');
    });

    it('renames, tags and untags an experiment', async () => {
      const id = await createExperiment(server());
      const newName = uniqueName('renamed');
      ok(await api('POST', '/experiments/update', { experiment_id: id, new_name: newName }));
      expect(ok(await api('GET', '/experiments/get-by-name', { experiment_name: newName })).experiment.experiment_id).toBe(id);

      ok(await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v1' }));
      ok(await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v2' }));
      ok(await api('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'other', value: 'x' }));
      let exp = ok(await api('GET', '/experiments/get', { experiment_id: id })).experiment;
      expect(exp.tags).toEqual([{ key: 'k', value: 'v2' }, { key: 'other', value: 'x' }]);

      ok(await api('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' }));
      exp = ok(await api('GET', '/experiments/get', { experiment_id: id })).experiment;
      expect(exp.tags).toEqual([{ key: 'other', value: 'x' }]);
      const again = await api('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' });
      expect(again.status).toBe(404);
      expect(again.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('soft-deletes and restores an experiment with its runs, leaving runs deleted before it deleted', async () => {
      const s = server();
      const id = await createExperiment(s);
      const keep = await createRun(s, { experiment_id: id });
      const deletedEarlier = await createRun(s, { experiment_id: id });
      ok(await api('POST', '/runs/delete', { run_id: deletedEarlier.info.run_id }));

      ok(await api('POST', '/experiments/delete', { experiment_id: id }));
      const deleted = ok(await api('GET', '/experiments/get', { experiment_id: id })).experiment;
      expect(deleted.lifecycle_stage).toBe('deleted');
      expect((await getRun(s, keep.info.run_id)).info.lifecycle_stage).toBe('deleted');
      // Deleting again, or restoring what is active, is a 404 (MLflow's answer).
      expect((await api('POST', '/experiments/delete', { experiment_id: id })).status).toBe(404);
      // A deleted experiment takes no new runs.
      const refused = await api('POST', '/runs/create', { experiment_id: id });
      expect(refused.status).toBe(400);
      expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE');

      ok(await api('POST', '/experiments/restore', { experiment_id: id }));
      expect(ok(await api('GET', '/experiments/get', { experiment_id: id })).experiment.lifecycle_stage).toBe('active');
      expect((await getRun(s, keep.info.run_id)).info.lifecycle_stage).toBe('active');
      expect((await getRun(s, deletedEarlier.info.run_id)).info.lifecycle_stage).toBe('deleted');
      expect((await api('POST', '/experiments/restore', { experiment_id: id })).status).toBe(404);
    });
  });

  it('runs deleted just before their experiment, even in the same millisecond, stay deleted after restore', async () => {
    const s = server();
    for (let round = 0; round < 5; round++) {
      const id = await createExperiment(s);
      const [deletedFirst, ...rest] = await Promise.all([0, 1, 2].map(() => createRun(s, { experiment_id: id })));
      ok(await s.mlflow('POST', '/runs/delete', { run_id: deletedFirst.info.run_id }));
      ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: id }));
      ok(await s.mlflow('POST', '/experiments/restore', { experiment_id: id }));
      expect((await getRun(s, deletedFirst.info.run_id)).info.lifecycle_stage).toBe('deleted');
      for (const r of rest) expect((await getRun(s, r.info.run_id)).info.lifecycle_stage).toBe('active');
    }
  });

  it('a run deleted on its own and deleted again while its experiment is deleted stays deleted after restore', async () => {
    const s = server();
    const id = await createExperiment(s);
    const run = await createRun(s, { experiment_id: id });
    ok(await s.mlflow('POST', '/runs/delete', { run_id: run.info.run_id }));
    await new Promise((r) => setTimeout(r, 5));
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: id }));
    await new Promise((r) => setTimeout(r, 5));
    ok(await s.mlflow('POST', '/runs/delete', { run_id: run.info.run_id }));
    ok(await s.mlflow('POST', '/experiments/restore', { experiment_id: id }));
    expect((await getRun(s, run.info.run_id)).info.lifecycle_stage).toBe('deleted');
  });

  it('keeps names unique across active and deleted experiments', async () => {
    const s = server();
    const name = uniqueName();
    const id = await createExperiment(s, { name });
    const dup = await s.mlflow('POST', '/experiments/create', { name });
    expect(dup.status).toBe(400);
    expect(dup.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: id }));
    const dupOfDeleted = await s.mlflow('POST', '/experiments/create', { name });
    expect(dupOfDeleted.status).toBe(400);
    expect(dupOfDeleted.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    // get and get-by-name still find the deleted experiment.
    expect(ok(await s.mlflow('GET', '/experiments/get-by-name', { experiment_name: name })).experiment.lifecycle_stage).toBe('deleted');
  });

  it('refuses a rename onto a taken name with RESOURCE_ALREADY_EXISTS, without SQL in the message', async () => {
    const s = server();
    const taken = uniqueName();
    await createExperiment(s, { name: taken });
    const id = await createExperiment(s);
    const res = await s.mlflow('POST', '/experiments/update', { experiment_id: id, new_name: taken });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(res.body.message).toContain(taken);
    expect(res.body.message).not.toMatch(/UNIQUE|constraint|INSERT|UPDATE/i);
  });

  it('refuses to rename or tag a deleted experiment', async () => {
    const s = server();
    const id = await createExperiment(s);
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: id }));
    const rename = await s.mlflow('POST', '/experiments/update', { experiment_id: id, new_name: uniqueName() });
    expect(rename.status).toBe(400);
    expect(rename.body.error_code).toBe('INVALID_STATE');
    const tag = await s.mlflow('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' });
    expect(tag.status).toBe(400);
  });

  describe('search', () => {
    async function seed(): Promise<{ prefix: string; ids: string[] }> {
      const s = server();
      const prefix = uniqueName('search');
      const ids: string[] = [];
      for (const [i, suffix] of ['a', 'B', 'c', 'D', 'e'].entries()) {
        ids.push(await createExperiment(s, { name: `${prefix}-${suffix}`, tags: [{ key: 'parity', value: i % 2 ? 'odd' : 'even' }] }));
      }
      ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: ids[4]! }));
      return { prefix, ids };
    }
    const names = (body: any) => (body.experiments ?? []).map((e: any) => e.name);

    it('works without max_results, by POST and by GET (MLflow #10819 answers 400)', async () => {
      const s = server();
      const { prefix } = await seed();
      for (const prefixPath of PREFIXES) {
        const post = ok(await s.call('POST', `${prefixPath}/experiments/search`, { filter: `name LIKE '${prefix}%'`, order_by: ['name'] }));
        expect(names(post).sort()).toEqual([`${prefix}-B`, `${prefix}-D`, `${prefix}-a`, `${prefix}-c`]);
        expect(post.next_page_token).toBeUndefined();
        const get = ok(await s.call('GET', `${prefixPath}/experiments/search`, { filter: `name LIKE '${prefix}%'`, order_by: 'name' }));
        expect(names(get)).toEqual(names(post));
      }
    });

    it('filters by view type, name (LIKE case-sensitive, ILIKE not) and tags', async () => {
      const s = server();
      const { prefix } = await seed();
      const search = async (body: Record<string, unknown>) => names(ok(await s.mlflow('POST', '/experiments/search', { order_by: ['name ASC'], ...body }))).sort();
      const like = `name LIKE '${prefix}%'`;
      expect(await search({ filter: like, view_type: 'DELETED_ONLY' })).toEqual([`${prefix}-e`]);
      expect(await search({ filter: like, view_type: 'ALL' })).toHaveLength(5);
      expect(await search({ filter: `name LIKE '${prefix}-b'` })).toEqual([]);
      expect(await search({ filter: `name ILIKE '${prefix}-b'` })).toEqual([`${prefix}-B`]);
      expect(await search({ filter: `${like} AND tags.parity = 'odd'` })).toEqual([`${prefix}-B`, `${prefix}-D`]);
      expect(await search({ filter: `${like} AND tags.parity != 'odd'`, view_type: 'ALL' })).toEqual([`${prefix}-a`, `${prefix}-c`, `${prefix}-e`]);
      expect(await search({ filter: `name = '${prefix}-c'` })).toEqual([`${prefix}-c`]);
      // Lower-case names only, so the order does not depend on the database's collation.
      const even = ok(await s.mlflow('POST', '/experiments/search', { filter: `${like} AND tags.parity = 'even'`, order_by: ['name DESC'], view_type: 'ALL' }));
      expect(names(even)).toEqual([`${prefix}-e`, `${prefix}-c`, `${prefix}-a`]);
    });

    it('orders and pages with tokens bound to their query', async () => {
      const s = server();
      const { prefix, ids } = await seed();
      const filter = `name LIKE '${prefix}%'`;
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const body = ok(await s.mlflow('POST', '/experiments/search', { filter, order_by: ['experiment_id DESC'], max_results: 2, page_token: token, view_type: 'ALL' }));
        seen.push(...body.experiments.map((e: any) => e.experiment_id));
        token = body.next_page_token;
        pages++;
        if (token) {
          const other = await s.mlflow('POST', '/experiments/search', { filter: `${filter} AND tags.parity = 'odd'`, order_by: ['experiment_id DESC'], max_results: 2, page_token: token, view_type: 'ALL' });
          expect(other.status).toBe(400);
          expect(other.body.error_code).toBe('INVALID_PARAMETER_VALUE');
          expect(other.body.message).toMatch(/page_token/);
        }
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort((a, b) => Number(b) - Number(a)));
    });
  });
});
