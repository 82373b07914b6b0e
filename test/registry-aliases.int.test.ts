import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createVersion, modelWithVersion } from './helpers/registry-factories.js';
import { ok, PREFIXES } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

describe.each(DIALECTS)('aliases API on %s', (dialect) => {
  const server = useServer(dialect);

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('sets an alias, reads the version through it, and shows it on the model and the version', async () => {
      const s = server();
      const { name, runId } = await modelWithVersion(s);
      await createVersion(s, name, `runs:/${runId}/model`);
      ok(await api('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }));
      ok(await api('POST', '/registered-models/alias', { name, alias: 'challenger-2', version: 2 }));
      const mv = ok(await api('GET', '/registered-models/alias', { name, alias: 'champion' })).model_version;
      expect(mv).toMatchObject({ name, version: '1', aliases: ['champion'] });
      const rm = ok(await api('GET', '/registered-models/get', { name })).registered_model;
      expect(rm.aliases).toEqual([{ alias: 'challenger-2', version: '2' }, { alias: 'champion', version: '1' }]);
    });

    it('moves an alias atomically: one alias names one version', async () => {
      const s = server();
      const { name, runId } = await modelWithVersion(s);
      await createVersion(s, name, `runs:/${runId}/model`);
      ok(await api('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }));
      ok(await api('POST', '/registered-models/alias', { name, alias: 'champion', version: '2' }));
      const v1 = ok(await api('GET', '/model-versions/get', { name, version: '1' })).model_version;
      const v2 = ok(await api('GET', '/model-versions/get', { name, version: '2' })).model_version;
      expect([v1.aliases, v2.aliases]).toEqual([[], ['champion']]);
      // Many concurrent moves leave the alias on exactly one of the versions.
      await Promise.all(Array.from({ length: 10 }, (_, i) => api('POST', '/registered-models/alias', { name, alias: 'champion', version: String((i % 2) + 1) })));
      const rm = ok(await api('GET', '/registered-models/get', { name })).registered_model;
      expect(rm.aliases.filter((a: any) => a.alias === 'champion')).toHaveLength(1);
    });

    it("enforces MLflow's alias rules with 400s naming the alias", async () => {
      const { name } = await modelWithVersion(server());
      for (const alias of ['has space', 'dot.ted', 'latest', 'LATEST', 'v1', 'V12', 'a'.repeat(256), '']) {
        const res = await api('POST', '/registered-models/alias', { name, alias, version: '1' });
        expect({ alias: alias.slice(0, 20), status: res.status, code: res.body.error_code }).toEqual({ alias: alias.slice(0, 20), status: 400, code: 'INVALID_PARAMETER_VALUE' });
      }
      for (const alias of ['v1a', 'version1', 'a'.repeat(255), 'x-y_z']) ok(await api('POST', '/registered-models/alias', { name, alias, version: '1' }), alias.slice(0, 20));
    });

    it('answers an unknown alias with 404 (MLflow: 400, §7) and a missing version with 404', async () => {
      const { name } = await modelWithVersion(server());
      const got = await api('GET', '/registered-models/alias', { name, alias: 'nobody' });
      expect(got.status).toBe(404);
      expect(got.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      const del = await api('DELETE', '/registered-models/alias', { name, alias: 'nobody' });
      expect(del.status).toBe(404);
      const set = await api('POST', '/registered-models/alias', { name, alias: 'champion', version: '5' });
      expect(set.status).toBe(404);
      expect((await api('POST', '/registered-models/alias', { name, alias: 'champion', version: 'x' })).status).toBe(400);
      expect((await api('POST', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(400);
    });

    it('deletes an alias, and deleting a version removes the aliases that named it', async () => {
      const s = server();
      const { name, runId } = await modelWithVersion(s);
      await createVersion(s, name, `runs:/${runId}/model`);
      ok(await api('POST', '/registered-models/alias', { name, alias: 'a', version: '1' }));
      ok(await api('POST', '/registered-models/alias', { name, alias: 'b', version: '2' }));
      ok(await api('DELETE', '/registered-models/alias', { name, alias: 'a' }));
      expect((await api('GET', '/registered-models/alias', { name, alias: 'a' })).status).toBe(404);
      ok(await api('DELETE', '/model-versions/delete', { name, version: '2' }));
      expect((await api('GET', '/registered-models/alias', { name, alias: 'b' })).status).toBe(404);
      expect(ok(await api('GET', '/registered-models/get', { name })).registered_model.aliases).toEqual([]);
    });
  });

  it('resolves @alias, latest and version numbers through the native resolve endpoint', async () => {
    const s = server();
    const { name, runId } = await modelWithVersion(s);
    await createVersion(s, name, `runs:/${runId}/model`);
    ok(await s.mlflow('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }));
    const resolve = async (ref: string) => s.call('GET', `/api/v1/models/${encodeURIComponent(name)}/resolve`, { ref });
    expect(ok(await resolve('@champion')).model_version.version).toBe('1');
    expect(ok(await resolve('latest')).model_version.version).toBe('2');
    expect(ok(await resolve('v2')).model_version.version).toBe('2');
    expect(ok(await resolve('1')).model_version.version).toBe('1');
    expect((await resolve('@nobody')).status).toBe(404);
    expect((await resolve('banana')).status).toBe(400);
  });
});
