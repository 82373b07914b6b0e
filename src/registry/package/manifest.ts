import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { InvalidParameter } from '../../core/errors.js';
import { signatureToMlflow, type ModelSignature } from './signature.js';

/**
 * @module The model package manifest: an `MLmodel` file MLflow clients read as they read their
 * own (artifact_path, flavors, run_id, utc_time_created, signature, saved_input_example_info,
 * model_size_bytes), with Trainyard's additions under `metadata.trainyard` (a free-form block in
 * MLflow's format): the environment, every file's digest, the run and its dataset digests.
 */
export const MANIFEST_FILE = 'MLmodel';
export const INPUT_EXAMPLE_FILE = 'input_example.json';
/** Bumped when the `metadata.trainyard` block changes shape. */
export const PACKAGE_FORMAT = 1;

export interface FileDigest {
  sha256: string;
  size: number;
}

export interface PackageEnvironment {
  /** Requirement lines (pip or npm specifiers). */
  requirements: string[];
  /** Lockfile name -> sha256, pinning the exact dependency set. */
  lockfiles: Record<string, string>;
  /** What ran the training: e.g. `{ node: 'v20.11.0', platform: 'linux-x64' }`. */
  runtime: Record<string, string>;
}

export interface ManifestInput {
  artifactPath: string;
  runId: string;
  flavors: Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  inputExample?: { type: 'dataframe' | 'json_object' };
  files: Record<string, FileDigest>;
  environment: PackageEnvironment;
  datasets: { name: string; digest: string; context?: string }[];
  modelId?: string;
  createdAt?: Date;
}

/** The trainyard block as read back from a manifest. */
export interface TrainyardBlock {
  format: number;
  run_id?: string;
  datasets: { name: string; digest: string; context?: string }[];
  environment?: PackageEnvironment;
  files: Record<string, FileDigest>;
}

/** `2024-05-01 12:00:00.000000`: the timestamp form MLflow writes in utc_time_created. */
function mlflowTime(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** A flavor option as given to logModel: a name (`'onnx'`) or `{ onnx: { opset: 17 } }`. */
export function normalizeFlavors(flavor: string | Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  if (typeof flavor === 'string') {
    if (!/^[\w.-]+$/.test(flavor)) throw new InvalidParameter(`Invalid flavor '${flavor}': use a name such as 'onnx' or 'python_function'.`);
    return { [flavor]: {} };
  }
  if (!flavor || typeof flavor !== 'object' || !Object.keys(flavor).length) throw new InvalidParameter(`Invalid flavor: give a name or an object such as { onnx: { opset: 17 } }.`);
  for (const [k, v] of Object.entries(flavor)) {
    if (!/^[\w.-]+$/.test(k) || !v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidParameter(`Invalid flavor '${k}': its value must be an object of settings.`);
  }
  return flavor;
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  const size = Object.values(input.files).reduce((s, f) => s + f.size, 0);
  const doc: Record<string, unknown> = {
    artifact_path: input.artifactPath,
    flavors: input.flavors,
    model_uuid: randomUUID().replace(/-/g, ''),
    run_id: input.runId,
    utc_time_created: mlflowTime(input.createdAt ?? new Date()),
    model_size_bytes: size,
  };
  if (input.modelId) doc.model_id = input.modelId;
  if (input.signature) doc.signature = signatureToMlflow(input.signature);
  if (input.inputExample) {
    doc.saved_input_example_info = { artifact_path: INPUT_EXAMPLE_FILE, type: input.inputExample.type, ...(input.inputExample.type === 'dataframe' ? { pandas_orient: 'split' } : {}) };
  }
  const block: TrainyardBlock = { format: PACKAGE_FORMAT, run_id: input.runId, datasets: input.datasets, environment: input.environment, files: input.files };
  doc.metadata = { trainyard: block };
  return doc;
}

export function renderManifest(doc: Record<string, unknown>): string {
  return YAML.stringify(doc, { lineWidth: 0 });
}

/** Parses MLmodel text; the trainyard block is undefined for a package another tool wrote. */
export function parseManifest(text: string): { doc: Record<string, unknown>; trainyard?: TrainyardBlock } {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InvalidParameter(`The ${MANIFEST_FILE} file is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidParameter(`The ${MANIFEST_FILE} file is not a YAML mapping.`);
  const d = doc as Record<string, unknown>;
  const t = (d.metadata as { trainyard?: TrainyardBlock } | undefined)?.trainyard;
  const valid = t && typeof t === 'object' && t.files && typeof t.files === 'object';
  return { doc: d, ...(valid ? { trainyard: t } : {}) };
}

/**
 * An input example as MLflow saves one: rows of records become a pandas "split" frame
 * (`{columns, data}`); anything else is stored as a JSON object.
 */
export function inputExampleJson(example: unknown): { type: 'dataframe' | 'json_object'; json: string } {
  const rows = Array.isArray(example) ? example : undefined;
  if (rows?.length && rows.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
    const data = rows.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? null));
    return { type: 'dataframe', json: JSON.stringify({ columns, data }) };
  }
  const json = JSON.stringify(example);
  if (json === undefined) throw new InvalidParameter('Invalid inputExample: it must be JSON-serialisable.');
  return { type: 'json_object', json };
}
