import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createModel, createVersion, runWithModel } from './helpers/registry-factories.js';
import { ok, PREFIXES, uniqueName } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

const REGISTRY_ROUTES: [string, string][] = [
  ['POST', '/registered-models/create'], ['GET', '/registered-models/get'], ['POST', '/registered-models/rename'],
  ['PATCH', '/registered-models/update'], ['DELETE', '/registered-models/delete'], ['GET', '/registered-models/search'],
  ['POST', '/registered-models/get-latest-versions'], ['GET', '/registered-models/get-latest-versions'], ['POST', '/registered-models/set-tag'],
  ['DELETE', '/registered-models/delete-tag'], ['POST', '/registered-models/alias'], ['DELETE', '/registered-models/alias'],
  ['GET', '/registered-models/alias'], ['POST', '/model-versions/create'], ['GET', '/model-versions/get'], ['PATCH', '/model-versions/update'],
  ['POST', '/model-versions/transition-stage'], ['DELETE', '/model-versions/delete'], ['GET', '/model-versions/search'],
  ['GET', '/model-versions/get-download-uri'], ['POST', '/model-versions/set-tag'], ['DELETE', '/model-versions/delete-tag'],
  ['POST', '/webhooks'], ['GET', '/webhooks'],
];

describe.each(DIALECTS)('registered models API on %s', (dialect) => {
  const server = useServer(dialect);

  it('serves every registry route under both prefixes; bad input there is a 4xx, never a 500', async () => {
    const s = server();
    for (const prefix of PREFIXES) {
      for (const [method, path] of REGISTRY_ROUTES) {
        const res = await s.call(method, prefix + path, method === 'GET' ? { name: 'no-such-model' } : { name: 'no-such-model' });
        expect({ route: `${method} ${prefix}${path}`, code: res.body?.error_code }).not.toEqual({ route: `${method} ${prefix}${path}`, code: 'ENDPOINT_NOT_FOUND' });
        expect({ route: `${method} ${prefix}${path}`, status: res.status < 500 }).toEqual({ route: `${method} ${prefix}${path}`, status: true });
      }
    }
  });

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('creates a model with tags and a description, and reads it back', async () => {
      const name = uniqueName('rm');
      const before = Date.now();
      const created = ok(await api('POST', '/registered-models/create', { name, description: 'churn model', tags: [{ key: 'team', value: 'growth' }] })).registered_model;
      expect(created).toMatchObject({ name, description: 'churn model', tags: [{ key: 'team', value: 'growth' }], latest_versions: [], aliases: [] });
      expect(created.creation_timestamp).toBeGreaterThanOrEqual(before);
      expect(created.last_updated_timestamp).toBe(created.creation_timestamp);
      const got = ok(await api('GET', '/registered-models/get', { name })).registered_model;
      expect(got).toEqual(created);
    });

    it('refuses a duplicate name with RESOURCE_ALREADY_EXISTS and an empty or missing name with a 400', async () => {
      const name = await createModel(server());
      const dup = await api('POST', '/registered-models/create', { name });
      expect(dup.status).toBe(400);
      expect(dup.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
      for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(257) }, { name: ['a'] }, { name: { a: 1 } }]) {
        const res = await api('POST', '/registered-models/create', body);
        expect(res.status).toBe(400);
        expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(res.body.message).toMatch(/name/);
      }
      const badTag = await api('POST', '/registered-models/create', { name: uniqueName(), tags: [{ key: '../x', value: 'v' }] });
      expect(badTag.status).toBe(400);
    });

    it('answers an unknown model with 404 RESOURCE_DOES_NOT_EXIST everywhere', async () => {
      const missing = uniqueName('missing');
      const calls: [string, string, Record<string, unknown>][] = [
        ['GET', '/registered-models/get', { name: missing }],
        ['POST', '/registered-models/rename', { name: missing, new_name: uniqueName() }],
        ['PATCH', '/registered-models/update', { name: missing, description: 'x' }],
        ['DELETE', '/registered-models/delete', { name: missing }],
        ['POST', '/registered-models/set-tag', { name: missing, key: 'k', value: 'v' }],
        ['DELETE', '/registered-models/delete-tag', { name: missing, key: 'k' }],
        ['POST', '/registered-models/get-latest-versions', { name: missing }],
        ['POST', '/model-versions/create', { name: missing, source: 'runs:/abc/model' }],
        ['GET', '/model-versions/get', { name: missing, version: '1' }],
        ['GET', '/registered-models/alias', { name: missing, alias: 'champion' }],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(method, path, body);
        expect({ path, status: res.status, code: res.body.error_code }).toEqual({ path, status: 404, code: 'RESOURCE_DOES_NOT_EXIST' });
      }
    });

    it('renames a model, keeping its versions; a clash is RESOURCE_ALREADY_EXISTS', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      await createVersion(s, name, `runs:/${run.runId}/model`);
      const other = await createModel(s);
      const clash = await api('POST', '/registered-models/rename', { name, new_name: other });
      expect(clash.status).toBe(400);
      expect(clash.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
      const newName = uniqueName('renamed');
      const renamed = ok(await api('POST', '/registered-models/rename', { name, new_name: newName })).registered_model;
      expect(renamed.name).toBe(newName);
      expect(renamed.latest_versions.map((v: any) => [v.name, v.version])).toEqual([[newName, '1']]);
      expect((await api('GET', '/registered-models/get', { name })).status).toBe(404);
      const missingNew = await api('POST', '/registered-models/rename', { name: newName });
      expect(missingNew.status).toBe(400);
      expect(missingNew.body.message).toContain('new_name');
    });

    it('updates the description (PATCH) and bumps last_updated_timestamp', async () => {
      const name = await createModel(server());
      const before = ok(await api('GET', '/registered-models/get', { name })).registered_model;
      await new Promise((r) => setTimeout(r, 5));
      const updated = ok(await api('PATCH', '/registered-models/update', { name, description: 'new words' })).registered_model;
      expect(updated.description).toBe('new words');
      expect(updated.last_updated_timestamp).toBeGreaterThan(before.last_updated_timestamp);
    });

    it('sets and deletes tags; deleting a missing tag is a 404 (MLflow answers 200, §7)', async () => {
      const name = await createModel(server());
      ok(await api('POST', '/registered-models/set-tag', { name, key: 'stage.owner', value: 'ana' }));
      ok(await api('POST', '/registered-models/set-tag', { name, key: 'stage.owner', value: 'bo' }));
      expect(ok(await api('GET', '/registered-models/get', { name })).registered_model.tags).toEqual([{ key: 'stage.owner', value: 'bo' }]);
      ok(await api('DELETE', '/registered-models/delete-tag', { name, key: 'stage.owner' }));
      const again = await api('DELETE', '/registered-models/delete-tag', { name, key: 'stage.owner' });
      expect(again.status).toBe(404);
      expect(again.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      const long = await api('POST', '/registered-models/set-tag', { name, key: 'k', value: 'x'.repeat(100_001) });
      expect(long.status).toBe(400);
      expect((await api('POST', '/registered-models/set-tag', { name, value: 'v' })).body.message).toContain("'key'");
    });

    it('deletes a model with its versions (DELETE with a JSON body)', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      await createVersion(s, name, `runs:/${run.runId}/model`);
      ok(await api('DELETE', '/registered-models/delete', { name }));
      expect((await api('GET', '/registered-models/get', { name })).status).toBe(404);
      expect((await api('GET', '/model-versions/get', { name, version: '1' })).status).toBe(404);
      // The name is free again, and a new model under it starts at version 1.
      await createModel(s, name);
      expect((await createVersion(s, name, `runs:/${run.runId}/model`)).version).toBe('1');
    });
  });

  it('searches by name and tags with LIKE/ILIKE, orders, and pages with keyset tokens', async () => {
    const s = server();
    const prefix = uniqueName('srch');
    const names = ['b', 'a', 'd', 'c', 'e'].map((x) => `${prefix}-${x}`);
    for (const [i, n] of names.entries()) await createModel(s, n, { tags: [{ key: 'team', value: i % 2 ? 'ml' : 'ops' }] });
    const search = async (body: Record<string, unknown>) => ok(await s.mlflow('GET', '/registered-models/search', body));
    const all = await search({ filter: `name LIKE '${prefix}-%'` });
    expect(all.registered_models.map((m: any) => m.name)).toEqual([...names].sort());
    expect(all.next_page_token).toBeUndefined();
    const ilike = await search({ filter: `name ILIKE '${prefix.toUpperCase()}-%' AND tags.team = 'ml'` });
    expect(ilike.registered_models.map((m: any) => m.name).sort()).toEqual([names[1], names[3]].sort());
    const desc = await search({ filter: `name LIKE '${prefix}-%'`, order_by: ['name DESC'] });
    expect(desc.registered_models.map((m: any) => m.name)).toEqual([...names].sort().reverse());
    const byTime = await search({ filter: `name LIKE '${prefix}-%'`, order_by: ['timestamp ASC'] });
    expect(byTime.registered_models.map((m: any) => m.name)).toEqual(names);
    // Pages of 2 visit every model once, in order.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await search({ filter: `name LIKE '${prefix}-%'`, max_results: 2, page_token: token });
      seen.push(...page.registered_models.map((m: any) => m.name));
      token = page.next_page_token;
    } while (token);
    expect(seen).toEqual([...names].sort());
    // A token from another query is refused, and so is garbage.
    const first = await search({ filter: `name LIKE '${prefix}-%'`, max_results: 2 });
    expect((await s.mlflow('GET', '/registered-models/search', { filter: "name = 'x'", page_token: first.next_page_token })).status).toBe(400);
    expect((await s.mlflow('GET', '/registered-models/search', { page_token: 'garbage!' })).status).toBe(400);
  });

  it('rejects bad search input with 400 INVALID_PARAMETER_VALUE', async () => {
    const s = server();
    for (const body of [
      { filter: "run_id = 'x'" }, { filter: "name = 'a' OR name = 'b'" }, { filter: 'name = unquoted' }, { max_results: 0 }, { max_results: 1001 },
      { max_results: 'ten' }, { order_by: ['version_number'] }, { order_by: ['name SIDEWAYS'] },
    ]) {
      const res = await s.mlflow('GET', '/registered-models/search', body as Record<string, unknown>);
      expect({ body, status: res.status, code: res.body.error_code }).toEqual({ body, status: 400, code: 'INVALID_PARAMETER_VALUE' });
    }
  });
});
