/**
 * In-process breakdown of one runs/search page on the cached read data set (no HTTP): each
 * statement's time, the page's total, and serializing the MLflow-shaped answer.
 * `npx tsx bench/tracking/search-profile.ts sqlite|postgres [RUNS] [REPS]` (the data set must
 * exist: bench/tracking/prepare-read-data.ts).
 */
import { openDatabase, withQueryLimits, type Database, type Executor } from '../../src/store/index.js';
import { runJson, searchRuns, searchRunsJson } from '../../src/tracking/index.js';
import { NATIVE_COLUMNS, SEARCH_QUERY } from './read-bench.js';
import { loadRuns, type RunRow } from '../../src/tracking/run-loader.js';
import { readDatabase } from './read-data-cache.js';
import { WORK_DIR } from './databases.js';

function timed(db: Database, times: Map<string, number[]>): Executor {
  const wrap = <T>(sql: string, run: () => Promise<T>) => {
    const t0 = performance.now();
    return run().then((v) => {
      const name = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
      if (!times.has(name)) times.set(name, []);
      times.get(name)!.push(performance.now() - t0);
      return v;
    });
  };
  return {
    dialect: db.dialect,
    all: (sql, params) => wrap(sql, () => db.all(sql, params)),
    one: (sql, params) => wrap(sql, () => db.one(sql, params)),
    run: (sql, params) => db.run(sql, params),
    runMany: (sql, rows) => db.runMany(sql, rows),
  } as Executor;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dialect = process.argv[2] as 'sqlite' | 'postgres';
  const runs = Number(process.argv[3] ?? 100_000);
  const reps = Number(process.argv[4] ?? 15);
  const { db: bench, data } = await readDatabase(dialect, runs, 1_000_000, false, (s) => console.log(s));
  const db = await openDatabase(bench.url ?? bench.location, bench.url ? WORK_DIR : bench.home);
  try {
    const input = { experimentIds: [data.experimentId], filter: SEARCH_QUERY.filter, orderBy: SEARCH_QUERY.order_by, maxResults: SEARCH_QUERY.max_results };
    let token: string | undefined;
    for (let p = 1; p < 10; p++) token = (await searchRuns(db, { ...input, pageToken: token })).next_page_token;
    for (const [label, extra, projection] of [
      ['mlflow page 1', {}, undefined],
      ['mlflow page 10', { pageToken: token }, undefined],
      ['native page 1', {}, { metrics: ['m00', 'm01'], params: ['p00'], tags: ['team'] }],
    ] as const) {
      const times = new Map<string, number[]>();
      const total: number[] = [];
      const json: number[] = [];
      let bytes = 0;
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const res = await searchRuns(timed(db, times), { ...input, ...extra }, projection as never);
        total.push(performance.now() - t0);
        const t1 = performance.now();
        bytes = JSON.stringify({ runs: res.runs.map(runJson), next_page_token: res.next_page_token }).length;
        json.push(performance.now() - t1);
      }
      console.log(`${dialect} ${runs} ${label}: search ${median(total).toFixed(1)} ms, runJson+stringify ${median(json).toFixed(1)} ms (${bytes} B)`);
      for (const [sql, ts] of times) console.log(`   ${median(ts).toFixed(2).padStart(7)} ms x${ts.length / reps}  ${sql}`);
    }
    void NATIVE_COLUMNS;
    // Interleaved A/B, same process: the plan choices and (PostgreSQL) the page load.
    const ab: Record<string, number[]> = {};
    const rec = async (name: string, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      (ab[name] ??= []).push(performance.now() - t0);
    };
    const page = await searchRuns(db, input);
    const ids = page.runs.map((r) => r.info.run_id);
    const inIds = ids.map(() => '?').join(',');
    const rows = await db.all<RunRow>(`SELECT * FROM runs WHERE run_uuid IN (${inIds})`, ids);
    for (let i = 0; i < reps; i++) {
      await rec('search auto (selective check, slack 16)', () => searchRuns(db, input, { metrics: 'none', params: 'none', tags: 'none' }));
      await rec('search walk only (no selective check), slack 16', () => searchRuns(db, input, { metrics: 'none', params: 'none', tags: 'none' }, { plan: 'walk' }));
      await rec('search walk only, slack 64 (before)', () => searchRuns(db, input, { metrics: 'none', params: 'none', tags: 'none' }, { plan: 'walk', passSlack: 64 }));
      await rec('page load now (loadRuns of the 100 runs)', () => loadRuns(db, rows));
      await rec('page load: per-family reads side by side (before, PostgreSQL)', () =>
        Promise.all([
          db.all(`SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics WHERE count > 0 AND run_uuid IN (${inIds}) ORDER BY run_uuid, key`, ids),
          db.all(`SELECT run_uuid, key, value FROM params WHERE run_uuid IN (${inIds}) ORDER BY run_uuid, key`, ids),
          db.all(`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (${inIds}) ORDER BY run_uuid, key`, ids),
          db.all(`SELECT ri.run_uuid FROM run_inputs ri WHERE ri.run_uuid IN (${inIds})`, ids),
        ]),
      );
    }
    // The answer's body, object path (what the routes did before: loadRuns, runJson, JSON.stringify)
    // against the database-written JSON (searchRunsJson), wall time and this process's CPU.
    const cpu: Record<string, number[]> = {};
    const body = async (name: string, fn: () => Promise<string>) => {
      const c0 = process.cpuUsage();
      await rec(name, fn);
      const c = process.cpuUsage(c0);
      (cpu[name] ??= []).push((c.user + c.system) / 1000);
    };
    const nativeProjection = { metrics: ['m00', 'm01'], params: ['p00'], tags: ['team'], inputs: false };
    // As the routes run them: in one read-only transaction on one connection (PostgreSQL), so the
    // statements follow one another as they do in the server.
    const limited = <T>(fn: (ex: Executor) => Promise<T>) => withQueryLimits(db, { timeoutMs: 30_000 }, fn);
    const stringified = (p?: typeof nativeProjection) => limited(async (ex) => {
      const res = await searchRuns(ex, input, p);
      return JSON.stringify({ runs: res.runs.map(runJson), ...(res.next_page_token ? { next_page_token: res.next_page_token } : {}) });
    });
    for (let i = 0; i < reps; i++) {
      await body('body: MLflow page, objects + JSON.stringify (before)', () => stringified());
      await body('body: MLflow page, database-written JSON (after)', () => limited((ex) => searchRunsJson(ex, input)));
      await body('body: native page, objects + JSON.stringify (before)', () => stringified(nativeProjection));
      await body('body: native page, database-written JSON (after)', () => limited((ex) => searchRunsJson(ex, input, nativeProjection)));
    }
    for (const [name, xs] of Object.entries(cpu)) console.log(`CPU ${dialect} ${runs}: ${median(xs).toFixed(2).padStart(7)} ms of this process  ${name}`);
    console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const [name, xs] of Object.entries(ab)) console.log(`A/B ${dialect} ${runs}: ${median(xs).toFixed(2).padStart(7)} ms  ${name}`);
  } finally {
    await db.close();
    await bench.drop();
  }
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
