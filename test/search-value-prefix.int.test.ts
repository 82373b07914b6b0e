import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createExperiment, createRun, logBatch, searchAllRuns } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

// Issue 14: on PostgreSQL an equality filter on a literal shorter than 200 characters is decided
// by the indexed 200-character prefix alone (migration 010). Values around that length must still
// match exactly: a value that only shares the literal's prefix, or is longer than 200, must not.
const A199 = 'a'.repeat(199);
const VALUES: Record<string, string> = {
  short: 'lr-3',
  longer: 'lr-3x',
  v199: A199,
  v200: `${A199}b`,
  v201: `${A199}bc`,
  v250: `${A199}b${'c'.repeat(50)}`,
};

describe.each(DIALECTS)('param/tag equality around the 200-character prefix on %s', (dialect) => {
  const server = useServer(dialect);
  let exp: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    exp = await createExperiment(server());
    for (const [name, value] of Object.entries(VALUES)) {
      ids[name] = (await createRun(server(), { experiment_id: exp, run_name: name })).info.run_id;
      await logBatch(server(), ids[name]!, { params: [{ key: 'p', value }], tags: [{ key: 't', value }] });
    }
  });

  const names = async (filter: string) => (await searchAllRuns(server(), { experiment_ids: [exp], filter })).map((r) => r.info.run_name).sort();

  it('= matches exactly the run with that value, for params and tags, short and long literals', async () => {
    for (const [name, value] of Object.entries(VALUES)) {
      expect(await names(`params.p = '${value}'`), `params.p = <${name}>`).toEqual([name]);
      expect(await names(`tags.t = '${value}'`), `tags.t = <${name}>`).toEqual([name]);
    }
    expect(await names(`params.p = 'lr'`)).toEqual([]);
    expect(await names(`params.p = '${'a'.repeat(198)}'`)).toEqual([]);
  });
});
