import { tempDir } from './temp-dirs.js';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrate, openDatabase, type Database } from '../../src/store/index.js';
import { createTestDatabase, type TestDialect } from './databases.js';
import { PipelineScheduler, PipelineStore, loadPipelineFile, type PipelineSpec } from '../../src/pipelines/index.js';

/** Absolute import path of the pipelines module for TS pipeline files written by tests. */
export const PIPELINES_MODULE = resolve('src/pipelines/index.ts');

export interface PipelineFixture {
  db: Database;
  store: PipelineStore;
  scheduler: PipelineScheduler;
  home: string;
  dir: string;
  url: string;
  /** Writes a file into the project folder and compiles it. */
  compile(name: string, text: string): Promise<PipelineSpec>;
  newScheduler(opts?: { leaseMs?: number }): PipelineScheduler;
  close(): Promise<void>;
}

export async function pipelineFixture(dialect: TestDialect, opts: { concurrency?: number; leaseMs?: number } = {}): Promise<PipelineFixture> {
  const t = await createTestDatabase(dialect);
  const db = await openDatabase(t.url, t.home);
  await migrate(db);
  const store = new PipelineStore(db);
  const dir = tempDir('ty-pipe-project-');
  const schedulers: PipelineScheduler[] = [];
  const newScheduler = (o: { leaseMs?: number } = {}) => {
    const s = new PipelineScheduler({ store, home: t.home, concurrency: opts.concurrency ?? 4, leaseMs: o.leaseMs ?? opts.leaseMs ?? 15_000 });
    schedulers.push(s);
    return s;
  };
  const scheduler = newScheduler();
  return {
    db,
    store,
    scheduler,
    home: t.home,
    dir,
    url: t.url,
    newScheduler,
    async compile(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return (await loadPipelineFile(file)).spec;
    },
    async close() {
      for (const s of schedulers) await s.close();
      await db.close();
      await t.drop();
    },
  };
}
