/**
 * @module The five search grammars, from MLflow 3.6's search_utils.py (reference §5).
 *
 * Where we accept more than MLflow, it is a strict superset a SQL builder can honour:
 * - `IS NULL` / `IS NOT NULL` on tags and params in every domain (MLflow added them for
 *   experiment tags and run tags/params after 3.6, PRs #21148 and #21283);
 * - `NOT IN` beside `IN` for model versions' run_id (MLflow: IN only);
 * - logged models order on every filterable attribute and on both `_time` aliases.
 */
import type { NumericOp, StringOp } from './filter-ast.js';
import type { KeyRule, SearchGrammar } from './grammar.js';

const NUMERIC_OPS: readonly NumericOp[] = ['=', '!=', '<', '<=', '>', '>='];
const TEXT_OPS: readonly StringOp[] = ['=', '!=', 'LIKE', 'ILIKE'];

/** Metrics: doubles. */
const NUMBER: KeyRule = { type: 'number', ops: NUMERIC_OPS };
/** Epoch-millisecond times and version numbers. */
const INTEGER: KeyRule = { type: 'integer', ops: NUMERIC_OPS };
const TEXT: KeyRule = { type: 'string', ops: TEXT_OPS };
const TEXT_OR_LIST: KeyRule = { type: 'string', ops: [...TEXT_OPS, 'IN', 'NOT IN'] };
/** Tags and params may also be tested for presence. */
const KEY_VALUE: KeyRule = { type: 'string', ops: [...TEXT_OPS, 'IS NULL', 'IS NOT NULL'] };

/** search-runs: metrics, params, tags, run attributes and the run's input datasets. */
export const RUNS_GRAMMAR: SearchGrammar = {
  domain: 'runs',
  filter: {
    metric: NUMBER,
    param: KEY_VALUE,
    tag: KEY_VALUE,
    attribute: {
      run_id: TEXT_OR_LIST,
      run_name: TEXT,
      status: TEXT,
      user_id: TEXT,
      artifact_uri: TEXT,
      lifecycle_stage: TEXT,
      start_time: INTEGER,
      end_time: INTEGER,
    },
    dataset: { name: TEXT_OR_LIST, digest: TEXT_OR_LIST, context: TEXT_OR_LIST },
  },
  // MLflow's exact alias spellings (SearchUtils.translate_key_alias).
  attributeAliases: {
    created: 'start_time',
    Created: 'start_time',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
  },
  orderBy: {
    entities: ['metric', 'param', 'tag'],
    attributes: [
      'start_time', 'end_time', 'run_name', 'status', 'run_id', 'user_id', 'experiment_id',
      'artifact_uri',
    ],
  },
};

/** search-experiments. */
export const EXPERIMENTS_GRAMMAR: SearchGrammar = {
  domain: 'experiments',
  filter: {
    tag: KEY_VALUE,
    attribute: { name: TEXT, creation_time: INTEGER, last_update_time: INTEGER },
  },
  attributeAliases: {},
  orderBy: {
    entities: [],
    attributes: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
  },
};

/** registered-models/search. */
export const REGISTERED_MODELS_GRAMMAR: SearchGrammar = {
  domain: 'registered models',
  filter: { tag: KEY_VALUE, attribute: { name: TEXT } },
  attributeAliases: {},
  orderBy: {
    entities: [],
    attributes: ['name', 'creation_timestamp', 'last_updated_timestamp'],
    // MLflow maps `timestamp` to the last-updated time (SearchUtils.VALID_TIMESTAMP_ORDER_BY_KEYS).
    aliases: { timestamp: 'last_updated_timestamp' },
  },
};

/** model-versions/search. `source_path` is the version's `source`. */
export const MODEL_VERSIONS_GRAMMAR: SearchGrammar = {
  domain: 'model versions',
  filter: {
    tag: KEY_VALUE,
    attribute: {
      name: TEXT,
      version_number: INTEGER,
      run_id: TEXT_OR_LIST,
      source_path: TEXT,
    },
  },
  attributeAliases: {},
  orderBy: {
    entities: [],
    attributes: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'],
  },
};

/** logged-models/search (MLflow 3). Datasets scope metrics through the request, not the filter. */
export const LOGGED_MODELS_GRAMMAR: SearchGrammar = {
  domain: 'logged models',
  filter: {
    metric: NUMBER,
    param: KEY_VALUE,
    tag: KEY_VALUE,
    attribute: {
      name: TEXT_OR_LIST,
      model_id: TEXT_OR_LIST,
      model_type: TEXT_OR_LIST,
      status: TEXT_OR_LIST,
      source_run_id: TEXT_OR_LIST,
      creation_timestamp: INTEGER,
      last_updated_timestamp: INTEGER,
    },
  },
  attributeAliases: {
    creation_time: 'creation_timestamp',
    last_updated_time: 'last_updated_timestamp',
  },
  orderBy: {
    // MLflow: only `metrics.<name>` besides attributes.
    entities: ['metric'],
    attributes: [
      'creation_timestamp', 'last_updated_timestamp', 'name', 'model_id', 'model_type', 'status',
      'source_run_id',
    ],
  },
};

/** Every grammar by domain, for callers that pick one at run time. */
export const GRAMMARS = {
  runs: RUNS_GRAMMAR,
  experiments: EXPERIMENTS_GRAMMAR,
  registeredModels: REGISTERED_MODELS_GRAMMAR,
  modelVersions: MODEL_VERSIONS_GRAMMAR,
  loggedModels: LOGGED_MODELS_GRAMMAR,
} as const satisfies Record<string, SearchGrammar>;
