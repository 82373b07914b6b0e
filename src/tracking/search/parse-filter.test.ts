import { describe, expect, it } from 'vitest';
import type { Comparison, Entity, ListOp, NullOp, NumericOp, StringOp } from './filter-ast.js';
import type { SearchGrammar } from './grammar.js';
import {
  EXPERIMENTS_GRAMMAR as EXP, LOGGED_MODELS_GRAMMAR as LM, MODEL_VERSIONS_GRAMMAR as MV,
  REGISTERED_MODELS_GRAMMAR as RM, RUNS_GRAMMAR as RUNS,
} from './grammars.js';
import { parseFilter } from './parse-filter.js';

type Shape = Omit<Comparison, 'start' | 'end'>;
const num = (entity: Entity, key: string, op: NumericOp, value: number): Shape =>
  ({ kind: 'number', entity, key, op, value });
const str = (entity: Entity, key: string, op: StringOp, value: string): Shape =>
  ({ kind: 'string', entity, key, op, value });
const list = (entity: Entity, key: string, op: ListOp, value: string[]): Shape =>
  ({ kind: 'list', entity, key, op, value });
const nul = (entity: Entity, key: string, op: NullOp): Shape =>
  ({ kind: 'null', entity, key, op, value: null });
const shapes = (comparisons: Comparison[]): Shape[] =>
  comparisons.map(({ start: _s, end: _e, ...rest }) => rest as Shape);

describe('parseFilter: valid filters', () => {
  it.each<[string, SearchGrammar, string, Shape[]]>([
    // MLflow documentation examples (search-runs, search-experiments, registry and logged-model guides).
    ['doc: metric', RUNS, 'metrics.accuracy > 0.92', [num('metric', 'accuracy', '>', 0.92)]],
    ['doc: metric and param', RUNS, "metrics.rmse < 1 and params.model = 'tree'",
      [num('metric', 'rmse', '<', 1), str('param', 'model', '=', 'tree')]],
    ['doc: three clauses, double-quoted values', RUNS,
      'params.model = "LogisticRegression" and params.lambda = "0.001" and metrics.error <= 0.05',
      [str('param', 'model', '=', 'LogisticRegression'), str('param', 'lambda', '=', '0.001'),
        num('metric', 'error', '<=', 0.05)]],
    ['doc: status', RUNS, 'attributes.status = "FAILED"', [str('attribute', 'status', '=', 'FAILED')]],
    ['doc: backticked system tag', RUNS, "tags.`mlflow.source.type` = 'LOCAL'",
      [str('tag', 'mlflow.source.type', '=', 'LOCAL')]],
    ['doc: double-quoted system tag', RUNS, 'tags."mlflow.runName" = \'x\'', [str('tag', 'mlflow.runName', '=', 'x')]],
    ['doc: run_id IN', RUNS, "attributes.run_id IN ('a','b')", [list('attribute', 'run_id', 'IN', ['a', 'b'])]],
    ['doc: run_name LIKE', RUNS, "run_name LIKE 'x%'", [str('attribute', 'run_name', 'LIKE', 'x%')]],
    ['doc: dataset context', RUNS, "datasets.context = 'train'", [str('dataset', 'context', '=', 'train')]],
    ['doc: dataset digest IN', RUNS, "datasets.digest IN ('s8ds293b', 'jks834s2')",
      [list('dataset', 'digest', 'IN', ['s8ds293b', 'jks834s2'])]],
    ['doc: dataset name LIKE', RUNS, 'datasets.name LIKE "custom"', [str('dataset', 'name', 'LIKE', 'custom')]],
    ['doc: tag ILIKE', RUNS, 'tags.task ILIKE "classif%"', [str('tag', 'task', 'ILIKE', 'classif%')]],
    ['doc: param LIKE', RUNS, 'params.model LIKE "GPT%"', [str('param', 'model', 'LIKE', 'GPT%')]],
    ['doc: created alias', RUNS, 'attributes.created > 1664067852747', [num('attribute', 'start_time', '>', 1664067852747)]],
    ['doc: metric key with a space', RUNS, 'metrics.`f1 score` < 0.5', [num('metric', 'f1 score', '<', 0.5)]],
    ['doc: two metrics', RUNS, 'metrics.accuracy > 0.72 AND metrics.loss <= 0.15',
      [num('metric', 'accuracy', '>', 0.72), num('metric', 'loss', '<=', 0.15)]],
    ['doc: user_id LIKE', RUNS, 'attributes.user_id LIKE "user1%"', [str('attribute', 'user_id', 'LIKE', 'user1%')]],
    ['doc: experiment name', EXP, "attributes.name = 'x'", [str('attribute', 'name', '=', 'x')]],
    ['doc: experiment name bare', EXP, "name = 'x'", [str('attribute', 'name', '=', 'x')]],
    ['doc: experiment name and tag', EXP, "attributes.name LIKE 'x%' AND tags.group = 'y'",
      [str('attribute', 'name', 'LIKE', 'x%'), str('tag', 'group', '=', 'y')]],
    ['doc: experiment tag ILIKE', EXP, "tags.group ILIKE '%x%'", [str('tag', 'group', 'ILIKE', '%x%')]],
    ['doc: registered model name', RM, "name='sk-learn-random-forest-reg-model'",
      [str('attribute', 'name', '=', 'sk-learn-random-forest-reg-model')]],
    ['doc: registered model name LIKE', RM, "name LIKE 'sklearn%'", [str('attribute', 'name', 'LIKE', 'sklearn%')]],
    ['doc: model version run_id', MV, "run_id = 'e260f9f8b1b6'", [str('attribute', 'run_id', '=', 'e260f9f8b1b6')]],
    ['doc: logged model metric and param', LM, "metrics.accuracy > 0.9 AND params.model_type = 'RandomForest'",
      [num('metric', 'accuracy', '>', 0.9), str('param', 'model_type', '=', 'RandomForest')]],

    // Runs: one case per grammar rule.
    ['metric, every numeric comparator', RUNS, 'metrics.a = 1 and metrics.b != 2 and metrics.c < 3 and metrics.d <= 4 and metrics.e > 5 and metrics.f >= 6',
      [num('metric', 'a', '=', 1), num('metric', 'b', '!=', 2), num('metric', 'c', '<', 3),
        num('metric', 'd', '<=', 4), num('metric', 'e', '>', 5), num('metric', 'f', '>=', 6)]],
    ['metric with exponent and sign', RUNS, 'metrics.loss < -1.5e-3', [num('metric', 'loss', '<', -0.0015)]],
    ['metric <> is !=', RUNS, 'metric.x <> 0', [num('metric', 'x', '!=', 0)]],
    ['double-quoted key is an identifier, double-quoted value a string', RUNS,
      'metrics."val/loss" < 1 and params.x = "abc"', [num('metric', 'val/loss', '<', 1), str('param', 'x', '=', 'abc')]],
    ['entity split on the first dot', RUNS, "tags.mlflow.parentRunId = 'x'", [str('tag', 'mlflow.parentRunId', '=', 'x')]],
    ['param aliases', RUNS, "param.a = 'x' and parameter.b = 'y' and parameters.c = 'z'",
      [str('param', 'a', '=', 'x'), str('param', 'b', '=', 'y'), str('param', 'c', '=', 'z')]],
    ['tag singular', RUNS, "tag.a != 'x'", [str('tag', 'a', '!=', 'x')]],
    ['attribute aliases', RUNS, "attribute.status = 'A' and attr.status = 'B' and run.status = 'C'",
      [str('attribute', 'status', '=', 'A'), str('attribute', 'status', '=', 'B'), str('attribute', 'status', '=', 'C')]],
    ['dataset singular', RUNS, "dataset.name != 'x'", [str('dataset', 'name', '!=', 'x')]],
    ['backticked entity', RUNS, '`metrics`.x > 1', [num('metric', 'x', '>', 1)]],
    ['entity prefix any case', RUNS, 'Metrics.x > 1', [num('metric', 'x', '>', 1)]],
    ['param IS NULL', RUNS, 'params.lr IS NULL', [nul('param', 'lr', 'IS NULL')]],
    ['tag IS NOT NULL', RUNS, 'tags.env is not null', [nul('tag', 'env', 'IS NOT NULL')]],
    ['run_id NOT IN', RUNS, "run_id NOT IN ('a')", [list('attribute', 'run_id', 'NOT IN', ['a'])]],
    ['run_id LIKE and ILIKE', RUNS, "run_id LIKE 'a%' and run_id ilike 'B%'",
      [str('attribute', 'run_id', 'LIKE', 'a%'), str('attribute', 'run_id', 'ILIKE', 'B%')]],
    ['run name alias, double-quoted', RUNS, '"run name" = \'x\'', [str('attribute', 'run_name', '=', 'x')]],
    ['Run Name alias, backticked with prefix', RUNS, "attributes.`Run Name` != 'x'", [str('attribute', 'run_name', '!=', 'x')]],
    ['Created alias', RUNS, 'Created >= 0', [num('attribute', 'start_time', '>=', 0)]],
    ['end_time', RUNS, 'end_time < 1700000000000', [num('attribute', 'end_time', '<', 1700000000000)]],
    ['integer written with exponent', RUNS, 'start_time > 1.7e12', [num('attribute', 'start_time', '>', 1.7e12)]],
    ['user_id, artifact_uri, lifecycle_stage', RUNS,
      "user_id = 'u' and artifact_uri LIKE 's3://%' and lifecycle_stage = 'active'",
      [str('attribute', 'user_id', '=', 'u'), str('attribute', 'artifact_uri', 'LIKE', 's3://%'),
        str('attribute', 'lifecycle_stage', '=', 'active')]],
    ['dataset NOT IN', RUNS, "datasets.name NOT IN ('a', \"b\")", [list('dataset', 'name', 'NOT IN', ['a', 'b'])]],
    ['string escapes', RUNS, String.raw`params.p = 'it''s \'q\' C:\data'`, [str('param', 'p', '=', String.raw`it's 'q' C:\data`)]],
    ['empty string value', RUNS, "tags.x = ''", [str('tag', 'x', '=', '')]],
    ['keyword-looking dotted key', RUNS, "tags.and = 'x'", [str('tag', 'and', '=', 'x')]],
    ['no spaces', RUNS, "metrics.x>=1 AND params.y='z'", [num('metric', 'x', '>=', 1), str('param', 'y', '=', 'z')]],
    ['newlines and tabs', RUNS, "metrics.x > 1\n\tAND\n params.y = 'z'", [num('metric', 'x', '>', 1), str('param', 'y', '=', 'z')]],
    ['IN list with spaces and one item', RUNS, "run_id IN ( 'a' )", [list('attribute', 'run_id', 'IN', ['a'])]],

    // Experiments.
    ['experiment creation_time', EXP, 'creation_time > 5', [num('attribute', 'creation_time', '>', 5)]],
    ['experiment last_update_time', EXP, 'attributes.last_update_time <= 5', [num('attribute', 'last_update_time', '<=', 5)]],
    ['experiment tag IS NULL', EXP, 'tags.k IS NULL', [nul('tag', 'k', 'IS NULL')]],

    // Registered models.
    ['registered model name ILIKE and !=', RM, "name ILIKE '%a%' and name != 'b'",
      [str('attribute', 'name', 'ILIKE', '%a%'), str('attribute', 'name', '!=', 'b')]],
    ['registered model tag', RM, "tags.`mlflow.prompt.is_prompt` != 'true'", [str('tag', 'mlflow.prompt.is_prompt', '!=', 'true')]],

    // Model versions.
    ['model version name and version_number', MV, "name = 'm' and version_number >= 2",
      [str('attribute', 'name', '=', 'm'), num('attribute', 'version_number', '>=', 2)]],
    ['model version run_id IN / NOT IN', MV, "run_id IN ('a', 'b') and run_id NOT IN ('c')",
      [list('attribute', 'run_id', 'IN', ['a', 'b']), list('attribute', 'run_id', 'NOT IN', ['c'])]],
    ['model version source_path', MV, "source_path LIKE 'runs:/%'", [str('attribute', 'source_path', 'LIKE', 'runs:/%')]],
    ['model version tag', MV, "tags.stage = 'prod'", [str('tag', 'stage', '=', 'prod')]],

    // Logged models.
    ['logged model string attributes', LM, "name = 'n' and model_id IN ('m-1') and model_type LIKE 'a%' and status != 'x' and source_run_id NOT IN ('r')",
      [str('attribute', 'name', '=', 'n'), list('attribute', 'model_id', 'IN', ['m-1']),
        str('attribute', 'model_type', 'LIKE', 'a%'), str('attribute', 'status', '!=', 'x'),
        list('attribute', 'source_run_id', 'NOT IN', ['r'])]],
    ['logged model time aliases', LM, 'creation_time > 1 and last_updated_time < 2 and creation_timestamp >= 3 and last_updated_timestamp <= 4',
      [num('attribute', 'creation_timestamp', '>', 1), num('attribute', 'last_updated_timestamp', '<', 2),
        num('attribute', 'creation_timestamp', '>=', 3), num('attribute', 'last_updated_timestamp', '<=', 4)]],
    ['logged model tag', LM, "tags.k = 'v'", [str('tag', 'k', '=', 'v')]],
  ])('%s', (_name, grammar, text, expected) => {
    expect(shapes(parseFilter(text, grammar))).toEqual(expected);
  });

  it.each([undefined, '', '   ', '\n\t'])('%j is no filter', (text) => {
    expect(parseFilter(text, RUNS)).toEqual([]);
  });

  it('records each comparison from its key to its value', () => {
    const text = "metrics.rmse < 1 and  run_id IN ('a', 'b') AND tags.x IS NOT NULL";
    const parsed = parseFilter(text, RUNS);
    expect(parsed.map((c) => text.slice(c.start, c.end))).toEqual([
      'metrics.rmse < 1', "run_id IN ('a', 'b')", 'tags.x IS NOT NULL',
    ]);
  });
});
