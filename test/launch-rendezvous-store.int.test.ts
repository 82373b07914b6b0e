/** The rendezvous service on both real stores: concurrent joins serialise, state survives a reopen. */
import { describe, expect, it } from 'vitest';
import { RendezvousService } from '../src/launch/index.js';
import { migrate, openDatabase } from '../src/store/index.js';
import { createTestDatabase, DIALECTS } from './helpers/databases.js';

const cfg = { min: 2, max: 3, nproc: 2, maxRestarts: 1, joinTimeoutMs: 60_000, lastCallMs: 60_000, nodeTimeoutMs: 5000 };

describe.each(DIALECTS)('rendezvous on %s', (dialect) => {
  it('three nodes joining at once all land in one round with dense ranks; the state survives a restart', async () => {
    const t = await createTestDatabase(dialect);
    let db = await openDatabase(t.url, t.home);
    try {
      await migrate(db);
      const rdzv = new RendezvousService(db);
      const views = await Promise.all(['n1', 'n2', 'n3'].map((id, i) => rdzv.join('j', cfg, { nodeId: id, host: 'h', addr: `10.0.0.${i + 1}`, port: 30000 + i })));
      const s = await rdzv.get('j');
      expect(s.phase).toBe('running');
      expect(s.round).toBe(1);
      expect(s.nodes.map((n) => n.rank).sort()).toEqual([0, 1, 2]);
      // The last joiner closed the round at MAX: its view has the assignment, world = 3 x 2.
      const last = views.find((v) => v.assignment)!;
      expect(last.assignment!.group_world_size).toBe(3);
      const master = s.nodes.find((n) => n.rank === 0)!;
      expect(s.master).toEqual({ addr: master.addr, port: master.port });

      await db.close();
      db = await openDatabase(t.url, t.home);
      const again = new RendezvousService(db);
      const v = await again.report('j', { nodeId: 'n2', round: 1, workers: 'failed', failure: { rank: 3 } });
      expect(v.phase).toBe('joining');
      expect(v.status).toBe('stopping');
      const after = await again.get('j');
      expect(after.restartCount).toBe(1);
      expect(after.history.map((h) => h.kind)).toEqual(['joined', 'joined', 'joined', 'round', 'end']);
      // A node stopped on purpose says so: it is out at once, in one transaction like the rest.
      expect((await again.leave('j', 'n3', 'SIGTERM')).status).toBe('left');
      expect((await again.get('j')).history.at(-1)).toMatchObject({ kind: 'left', detail: { node: 'n3', reason: 'SIGTERM' } });
      await expect(again.report('nope', { nodeId: 'x', round: 0, workers: 'idle' })).rejects.toThrow("No rendezvous for job 'nope'");
    } finally {
      await db.close();
      await t.drop();
    }
  }, 60_000);
});
