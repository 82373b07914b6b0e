/**
 * A second OS process writing to a SQLite file through the store (not the server), for the
 * busy_timeout test. Usage: node --import tsx sqlite-store-writer.ts <db file> <run id> <batches>
 * Prints one JSON line {ok, errors}.
 */
import { openDatabase } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';

const [file, runId, batches] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase(file, '.');
const tracking = createTracking(db);
const errors: string[] = [];
let ok = 0;
for (let b = 0; b < Number(batches); b++) {
  try {
    await tracking.runs.logBatch(runId, {
      metrics: Array.from({ length: 200 }, (_, i) => ({ key: 'external', value: i, timestamp: 1000 + b, step: b * 200 + i })),
      params: [{ key: `x${b}`, value: String(b) }],
      tags: [{ key: 'external_last', value: String(b) }],
    });
    ok++;
  } catch (e) {
    errors.push(String(e));
  }
}
await db.close();
process.stdout.write(JSON.stringify({ ok, errors: errors.slice(0, 20), errorCount: errors.length }) + '\n');
