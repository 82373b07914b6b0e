import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTestDatabase } from './helpers/databases.js';
import { spawnServer } from './helpers/server-process.js';

/** The CLI never leaves a user guessing which store it used, and one home has one server. */
describe('which store the CLI uses, and one server per home', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-store-notice-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says on stderr that it creates a new empty store, once, and keeps --json on stdout clean', async () => {
    const home = join(dir, 'fresh-home');
    const first = await runCli(['experiments', 'list', '--json'], { TRAINYARD_HOME: home });
    expect(first.code).toBe(0);
    expect(() => JSON.parse(first.stdout)).not.toThrow();
    expect(first.stderr).toMatch(/no store at .*fresh-home yet: creating an empty one \(SQLite\).*--uri.*TRAINYARD_HOME/);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    const second = await runCli(['experiments', 'list', '--json'], { TRAINYARD_HOME: home });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
  });

  it('refuses a second server on a home a live server holds, naming it; the lock goes with the server', async () => {
    const home = join(dir, 'served');
    const first = await spawnServer(['--home', home]);
    try {
      const second = await runCli(['server', '--port', '0', '--home', home]);
      expect(second.code).not.toBe(0);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toContain(`another Trainyard server (pid ${first.child.pid}, ${first.url}) is using ${home}`);
      expect(second.stderr).toMatch(/--home/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    expect(existsSync(join(home, 'server.lock'))).toBe(false);
    const again = await spawnServer(['--home', home]);
    again.child.kill('SIGTERM');
    await again.exited;
  });

  it('takes over the lock of a server killed with -9 (its pid is gone)', async () => {
    const home = join(dir, 'killed');
    const first = await spawnServer(['--home', home]);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8')).pid).toBe(first.child.pid);
    const next = await spawnServer(['--home', home]);
    expect(JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8')).pid).toBe(next.child.pid);
    next.child.kill('SIGTERM');
    await next.exited;
  });

  it('lets PostgreSQL replicas share a home (no lock without SQLite)', async () => {
    const home = join(dir, 'pg');
    const db = await createTestDatabase('postgres');
    const a = await spawnServer(['--home', home, '--db', db.url]);
    const b = await spawnServer(['--home', home, '--db', db.url]);
    for (const s of [a, b]) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await db.drop();
  });
});
