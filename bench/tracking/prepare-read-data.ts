/**
 * Builds (or checks) the cached read data sets without running a benchmark:
 * `npx tsx bench/tracking/prepare-read-data.ts sqlite|postgres RUNS [--fresh]`.
 */
import { readDatabase } from './read-data-cache.js';

async function main(): Promise<void> {
  const dialect = process.argv[2] as 'sqlite' | 'postgres';
  const runs = Number(process.argv[3] ?? 100_000);
  if ((dialect !== 'sqlite' && dialect !== 'postgres') || !Number.isInteger(runs) || runs < 1) throw new Error('usage: prepare-read-data.ts sqlite|postgres RUNS [--fresh]');
  const t0 = Date.now();
  const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
  const { db, data, cached } = await readDatabase(dialect, runs, 1_000_000, process.argv.includes('--fresh'), log);
  log(`${cached ? 'cached' : 'built'}: ${data.runs} runs, load ${data.loadSeconds.runs.toFixed(1)} s (runs) + ${data.loadSeconds.series.toFixed(1)} s (series)`);
  await db.drop(); // a copy, or (read in place) only its empty home
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
