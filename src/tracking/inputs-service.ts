import { InvalidParameter } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Database, Executor } from '../store/index.js';
import { TAG_DATASET_CONTEXT, type DatasetInput } from './entities.js';
import { parseExperimentId } from './experiments-service.js';
import type { RunsService } from './runs-service.js';
import { LIMITS, validateLength } from './validation.js';

/**
 * Dataset inputs of runs. Datasets are kept per experiment (unique by experiment, name, digest),
 * so each experiment's search-datasets lists what its runs used; MLflow dedupes them globally
 * and the second experiment's list comes back empty (reference §7 #3).
 */
export class InputsService {
  constructor(
    private readonly db: Database,
    private readonly runs: RunsService,
  ) {}

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    for (const [i, input] of inputs.entries()) validateInput(input, i);
    await this.db.transaction(async (tx) => {
      const run = await this.runs.activeRow(tx, runId);
      for (const input of inputs) {
        const datasetId = await upsertDataset(tx, Number(run.experiment_id), input);
        await tx.run('INSERT INTO run_inputs (run_uuid, dataset_uuid) VALUES (?, ?) ON CONFLICT DO NOTHING', [runId, datasetId]);
        for (const t of input.tags) {
          await tx.run(
            'INSERT INTO run_input_tags (run_uuid, dataset_uuid, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_uuid, dataset_uuid, key) DO UPDATE SET value = excluded.value',
            [runId, datasetId, t.key, t.value],
          );
        }
      }
    });
  }

  /** Distinct (name, digest, context) per experiment, for the UI's dataset filter. */
  async searchDatasets(experimentIds: string[]) {
    if (experimentIds.length < 1 || experimentIds.length > 20) {
      throw new InvalidParameter(`SearchDatasets request must specify between 1 and 20 experiment_ids, got ${experimentIds.length}.`);
    }
    const ids = experimentIds.map((id) => parseExperimentId(id, 'experiment_ids'));
    const rows = await this.db.all<{ experiment_id: number; name: string; digest: string; context: string | null }>(
      `SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value AS context
       FROM datasets d JOIN run_inputs ri ON ri.dataset_uuid = d.dataset_uuid
       LEFT JOIN run_input_tags t ON t.run_uuid = ri.run_uuid AND t.dataset_uuid = ri.dataset_uuid AND t.key = ?
       WHERE d.experiment_id IN (${ids.map(() => '?').join(',')}) ORDER BY d.experiment_id, d.name, d.digest`,
      [TAG_DATASET_CONTEXT, ...ids],
    );
    return rows.map((r) => ({ experiment_id: String(r.experiment_id), name: r.name, digest: r.digest, ...(r.context !== null ? { context: r.context } : {}) }));
  }
}

function validateInput(input: DatasetInput, i: number): void {
  const d = input.dataset;
  const where = `datasets[${i}].dataset`;
  for (const f of ['name', 'digest', 'source_type', 'source'] as const) {
    if (!d[f]) throw new InvalidParameter(`Missing value for required parameter '${where}.${f}'.`);
  }
  validateLength(d.name, LIMITS.datasetName, `${where}.name`);
  validateLength(d.digest, LIMITS.datasetDigest, `${where}.digest`);
  validateLength(d.source, LIMITS.datasetSource, `${where}.source`);
  if (d.schema) validateLength(d.schema, LIMITS.datasetSchema, `${where}.schema`);
  if (d.profile) validateLength(d.profile, LIMITS.datasetProfile, `${where}.profile`);
  for (const t of input.tags) {
    validateLength(t.key, LIMITS.inputTagKey, `datasets[${i}].tags key '${t.key.slice(0, 40)}'`);
    validateLength(t.value, LIMITS.inputTagValue, `datasets[${i}].tags value for '${t.key}'`);
  }
}

async function upsertDataset(tx: Executor, experimentId: number, input: DatasetInput): Promise<string> {
  const d = input.dataset;
  const find = () => tx.one<{ dataset_uuid: string }>('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?', [experimentId, d.name, d.digest]);
  const found = await find();
  if (found) return found.dataset_uuid;
  // Two runs of one experiment may log the same new dataset at once (PostgreSQL): the second
  // insert waits for the first and then does nothing, and the lookup after it finds that row.
  await tx.run(
    'INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, name, digest) DO NOTHING',
    [newId(), experimentId, d.name, d.digest, d.source_type, d.source, d.schema ?? null, d.profile ?? null],
  );
  return (await find())!.dataset_uuid;
}
