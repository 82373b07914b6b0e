import { InvalidParameter } from '../core/errors.js';
import type { Executor, SqlValue } from '../store/index.js';
import type { Run, ViewType } from './entities.js';
import { parseExperimentId } from './experiments-service.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type Position, type SortKey } from './keyset.js';
import { loadRuns, type Projection, type RunRow } from './run-loader.js';
import { familyJsonColumns, loadRunsJson, type FamilyJson } from './run-page-json.js';

const ALL_FAMILIES: Projection = { metrics: 'all', params: 'all', tags: 'all', inputs: true };
import { RUN_ATTRIBUTE_COLUMNS, runFilterTerms, type FilterTerm } from './run-filter-sql.js';
import { parseOrderBy, RUNS_GRAMMAR } from './search/index.js';
import type { SqlPart } from './sql-compare.js';
import { LIMITS } from './validation.js';

const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'experiment_id']);

export interface RunSearchInput {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/**
 * Which plan answers (tests compare them; the server always uses 'auto'). 'walk': the ordered
 * walk whenever the order allows it (the driven plan still answers a page the walk cannot prove);
 * 'driven': never the walk.
 */
export interface SearchPlanOptions {
  plan?: 'auto' | 'walk' | 'driven';
  /** Overrides PASS_SLACK (the benchmark's A/B of it). */
  passSlack?: number;
}

/** searchPage's extra: SELECT-list expressions on the page's `runs` row `r`, read with it. */
type PageColumns = SqlPart | undefined;

/** A page's query, in parts, so each plan below can assemble it its own way. */
interface PageQuery {
  db: Executor;
  keys: SortKey[];
  /** One LEFT JOIN per metric/param/tag order term (aliases o0, o1, ...), undefined for attributes. */
  joins: (SqlPart | undefined)[];
  /** The first order term when it is a metric: the plan that walks its values in order applies. */
  walkMetric?: { key: string; ascending: boolean };
  /** Experiment and lifecycle conditions on `r`. */
  base: SqlPart;
  terms: FilterTerm[];
  /** The metric/param/tag conditions again, probing `w.run_uuid`, for the walk (see walkedPage). */
  walkProbes: FilterTerm[];
  pos?: Position;
  after?: SqlPart;
  limit: number;
  /** Runs let through the walk beyond the page (PASS_SLACK). */
  slack: number;
  /** More SELECT-list expressions on `r` for each page row (with their parameters, which come first). */
  columns?: SqlPart;
}

/**
 * runs/search: filter, order and keyset pages in SQL; then the page's runs are loaded in a few
 * IN-list queries. `projection` limits what is loaded per run (the native column projection).
 *
 * Two plans, both exact (measured on 100,000 runs x 20 metrics/20 params, SQLite, 2-core machine,
 * filter `metrics.m00 > 0.5 AND params.p00 = 'lr-3'` ordered by `metrics.m01 DESC`, 100 a page;
 * the single-query form this replaced took ~400-650 ms in-process, the new one ~20-30 ms with the
 * page's runs loaded; a differential test against the old form over 1,456 filter/order/page-size
 * walks, both dialects, found no difference):
 * - ordered by a metric: walk that metric's values in index order (a bounded number of them),
 *   testing each run against the filter, and stop once the page is full;
 * - otherwise, or when the walk cannot prove its page complete: start from the filter condition
 *   with the fewest matching runs (counted on its index), test the others per run, sort;
 * - on SQLite, a selective equality (at most ~10 matching runs per page row, counted with a cap)
 *   takes the driven plan before the walk (see selectiveDriver).
 * test/search-plans.int.test.ts checks every choice gives the same pages.
 */
export async function searchRuns(db: Executor, input: RunSearchInput, projection?: Projection, opts: SearchPlanOptions = {}): Promise<{ runs: Run[]; next_page_token?: string }> {
  const { page, next } = await searchPage(db, input, opts);
  const runs = await loadRuns(db, page, projection);
  return next ? { runs, next_page_token: next } : { runs };
}

/**
 * The same page as searchRuns, as the response body's JSON text `{"runs":[...],"next_page_token":...}`
 * (what `{ runs: runs.map(runJson), next_page_token }` stringifies to, up to the spelling of
 * doubles): the databases serialize each run's metrics, params and tags (run-page-json.ts).
 */
export async function searchRunsJson(db: Executor, input: RunSearchInput, projection?: Projection, opts: SearchPlanOptions = {}): Promise<string> {
  // PostgreSQL: the families' JSON comes in the page's own statement (one round trip fewer; the
  // planner evaluates these subqueries only for the rows left after the ORDER BY ... LIMIT).
  // SQLite: its own statement (in-process, no round trip; SQLite would evaluate them for every
  // sorted row of the driven plan).
  const inline = db.dialect === 'postgres' ? familyJsonColumns(db.dialect, projection ?? ALL_FAMILIES, 'r') : undefined;
  const { page, next } = await searchPage(db, input, opts, inline?.sql.length ? { sql: inline.sql.join(', '), params: inline.params } : undefined);
  const runs = await loadRunsJson(db, page, projection, inline ? new Map(page.map((r) => [r.run_uuid, r as FamilyJson])) : undefined);
  return `{"runs":[${runs.join(',')}]${next ? `,"next_page_token":${JSON.stringify(next)}` : ''}}`;
}

/** The page's `runs` rows (with their positions) and the next page's token, by whichever plan answers. */
async function searchPage(db: Executor, input: RunSearchInput, opts: SearchPlanOptions, columns?: PageColumns): Promise<{ page: Row[]; next?: string }> {
  const max = input.maxResults ?? 1000;
  if (max < 1 || max > LIMITS.searchMaxResults) {
    throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: it must be between 1 and ${LIMITS.searchMaxResults}.`);
  }
  if (!input.experimentIds.length) return { page: [] };
  const expIds = input.experimentIds.map((id) => parseExperimentId(id, 'experiment_ids'));
  const joins: (SqlPart | undefined)[] = [];
  const keys: SortKey[] = [];
  let walkMetric: PageQuery['walkMetric'];
  parseOrderBy(input.orderBy, RUNS_GRAMMAR).forEach((term, i) => {
    if (term.entity === 'metric') {
      joins.push({ sql: `LEFT JOIN latest_metrics o${i} ON o${i}.run_uuid = r.run_uuid AND o${i}.key = ?`, params: [term.key] });
      if (i === 0) walkMetric = { key: term.key, ascending: term.ascending };
      // MLflow's order: values, then NaN, then runs without the metric, in both directions.
      keys.push({ expr: `o${i}.value`, missing: `CASE WHEN o${i}.series_id IS NULL OR o${i}.count = 0 THEN 2 WHEN o${i}.is_nan = 1 THEN 1 ELSE 0 END`, ascending: term.ascending, type: 'number' });
    } else if (term.entity === 'param' || term.entity === 'tag') {
      joins.push({ sql: `LEFT JOIN ${term.entity}s o${i} ON o${i}.run_uuid = r.run_uuid AND o${i}.key = ?`, params: [term.key] });
      keys.push({ expr: `o${i}.value`, missing: `CASE WHEN o${i}.value IS NULL THEN 1 ELSE 0 END`, ascending: term.ascending, type: 'string' });
    } else if (term.entity === 'attribute' && RUN_ATTRIBUTE_COLUMNS[term.key]) {
      const attr = RUN_ATTRIBUTE_COLUMNS[term.key]!;
      joins.push(undefined);
      keys.push({ expr: attr.col, missing: attr.nullable ? `CASE WHEN ${attr.col} IS NULL THEN 1 ELSE 0 END` : undefined, ascending: term.ascending, type: NUMERIC_ATTRIBUTES.has(term.key) ? 'number' : 'string' });
    } else {
      throw new InvalidParameter(`Invalid order_by key '${term.key}' for runs.`);
    }
  });
  if (!keys.some((k) => k.expr === 'r.start_time')) keys.push({ expr: 'r.start_time', ascending: false, type: 'number' });
  keys.push({ expr: 'r.run_uuid', ascending: true, type: 'string' });

  const view = input.viewType ?? 'ACTIVE_ONLY';
  const base: string[] = [`r.experiment_id IN (${expIds.map(() => '?').join(',')})`];
  if (view === 'ACTIVE_ONLY') base.push("r.lifecycle_stage = 'active'");
  if (view === 'DELETED_ONLY') base.push("r.lifecycle_stage = 'deleted'");
  const terms = runFilterTerms(input.filter, db.dialect);
  const fp = queryFingerprint(['runs', [...input.experimentIds].sort(), input.filter ?? '', input.orderBy ?? [], view]);
  const pos = decodePageToken(input.pageToken, fp);
  const q: PageQuery = {
    db, keys, joins, walkMetric, terms, pos,
    walkProbes: walkMetric ? byCost(runFilterTerms(input.filter, db.dialect, 'w.run_uuid').filter((t) => t.probe)) : [],
    base: { sql: base.join(' AND '), params: expIds },
    after: pos ? afterPosition(keys, pos) : undefined,
    limit: max + 1,
    slack: opts.passSlack ?? PASS_SLACK,
    columns,
  };
  const plan = opts.plan ?? 'auto';
  let rows: Row[] | undefined;
  if (plan !== 'driven') {
    // A selective equality (few runs match it) answers from its own runs before the walk would
    // read its whole budget in vain: decided by counting that equality's matches on its index,
    // stopping at the threshold, so the check costs at most a few hundred index entries.
    // SQLite only: in-process the count costs ~0.2 ms; on PostgreSQL it is one more round trip
    // before the walk, measured (in-process A/B, loaded machine) at +50% on the benchmark's
    // common-equality page it does not help, so there a selective equality still goes walk ->
    // driven. Folding the count into the walk's statement would remove that round trip.
    const selective = plan === 'auto' && q.walkMetric && db.dialect === 'sqlite' ? await selectiveDriver(q) : undefined;
    if (selective) rows = await drivenPage(q, selective);
    else rows = await walkedPage(q);
  }
  rows ??= await drivenPage(q);
  const page = rows.slice(0, max);
  const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
  return { page, next };
}

type Row = RunRow & Record<string, unknown>;

/**
 * The walk's probe order: likeliest to reject first. Equality probes (`params.x = 'a'`, IN lists)
 * usually reject the most runs; range probes on metrics next. (The walk nests one probe per
 * level because SQLite does not keep the order of EXISTS terms in one WHERE.)
 */
function byCost(terms: FilterTerm[]): FilterTerm[] {
  const rank = (t: FilterTerm) => (t.equality ? 0 : t.driver ? 1 : 2);
  return [...terms].sort((a, b) => rank(a) - rank(b));
}

const select = (q: PageQuery) => `SELECT r.*, ${positionColumns(q.keys)}${q.columns ? `, ${q.columns.sql}` : ''}`;
const selectParams = (q: PageQuery) => q.columns?.params ?? [];
const orderLimit = (q: PageQuery) => `ORDER BY ${orderByClause(q.keys)} LIMIT ?`;
// SQLite plans joins in the written order after CROSS JOIN, so the chosen starting set really is
// read first; PostgreSQL has no CROSS JOIN ... ON, and plans the order itself from its statistics.
const joinKeyword = (db: Executor) => (db.dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN');

function whereOf(q: PageQuery, terms: FilterTerm[]): SqlPart {
  const parts = [q.base, ...terms, ...(q.after ? [q.after] : [])];
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

// Walk budget: index entries of the order metric read before giving up on this plan. 40 per row
// of the page finds a full page when >= 2.5% of the walked runs match; reading 4,000 entries of
// the covering index costs ~1 ms, the filter probes ~3 us a walked run each.
const WALK_PER_ROW = 40;
const WALK_MIN = 4000;
// Runs let through to the final sort beyond the page: rows tied on the order value at the page's
// end still get ordered by the next keys.
// With distinct values 1 would do; 16 covers short runs of ties without falling back. (It was 64:
// each slack row costs 1/selectivity walked runs, ~20 on the benchmark query, so 64 -> 16 cuts
// the walk of a 100-run page from ~3,300 to ~2,300 probed runs.)
const PASS_SLACK = 16;

/**
 * The ordered walk, one statement (one snapshot): the order metric's present (non-NaN) values in
 * index order, at most `budget` of them; each walked run tested against the filter's
 * metric/param/tag probes and then its `runs` row (experiment, lifecycle, attribute conditions),
 * until page + slack runs pass; only those are joined and sorted by the full order. The page is
 * exact when its last row comes strictly before the last value walked or passed (every run not
 * looked at comes after it), or when the walk ran out of values. Otherwise, or when the page
 * reaches into NaN/missing values, returns undefined and the driven plan answers.
 *
 * Measured on the benchmark query (100k runs, 1 walked run in 20 passes): ~11-19 ms in-process,
 * against 400-650 ms for the single query with IN-lists this replaced. Testing the probes level by
 * level matters: in one flat WHERE SQLite tested the param probe only after the runs lookup, and
 * joining all walked runs to `runs` before cutting to the page cost ~25 ms with no filter at all.
 */
async function walkedPage(q: PageQuery): Promise<Row[] | undefined> {
  const m = q.walkMetric;
  if (!m || (q.pos && q.pos[0]![0] !== 0)) return undefined;
  const budget = Math.max(WALK_MIN, WALK_PER_ROW * q.limit);
  const pass = q.limit + q.slack;
  const sqlite = q.db.dialect === 'sqlite';
  const dir = m.ascending ? 'ASC' : 'DESC';
  // Values from the page token's on: the full keyset condition below finishes the job.
  const from: SqlPart = q.pos ? { sql: ` AND value ${m.ascending ? '>=' : '<='} ?`, params: [q.pos[0]![1]] } : { sql: '', params: [] };
  // The partial index holds exactly the present values, with run_uuid: the walk never touches the
  // table. INDEXED BY because SQLite, without statistics, may pick another index.
  const walk = `SELECT run_uuid, value FROM latest_metrics${sqlite ? ' INDEXED BY latest_metrics_present' : ''}
    WHERE key = ? AND count > 0 AND is_nan = 0${from.sql} ORDER BY value ${dir} LIMIT ?`;
  // One condition a level, cheapest first; a LIMIT keeps SQLite from flattening levels together.
  // (The LIMIT on the ordered read of `walk` also stops SQLite from dropping its ORDER BY.)
  let passed = `SELECT run_uuid, value FROM walk ORDER BY value ${dir} LIMIT ?`;
  const passedParams: SqlValue[] = [budget];
  for (const probe of q.walkProbes) {
    passed = `SELECT * FROM (${passed}) w WHERE ${probe.sql} ORDER BY value ${dir} LIMIT ?`;
    passedParams.push(...probe.params, budget);
  }
  const runWhere = [q.base, ...q.terms.filter((t) => !t.probe)];
  passed = `SELECT run_uuid, value FROM (${passed}) w WHERE EXISTS (SELECT 1 FROM runs r WHERE r.run_uuid = w.run_uuid AND ${runWhere.map((t) => t.sql).join(' AND ')}) ORDER BY value ${dir} LIMIT ?`;
  passedParams.push(...runWhere.flatMap((t) => t.params), pass);
  const edge = m.ascending ? 'max' : 'min';
  const rest = q.joins.slice(1).filter((j): j is SqlPart => !!j);
  const j = joinKeyword(q.db);
  const rows = await q.db.all<Row & { walk_n: number; walk_edge: number; pass_n: number; pass_edge: number }>(
    `WITH walk AS MATERIALIZED (${walk}), passed AS MATERIALIZED (${passed})
     ${select(q)}, (SELECT count(*) FROM walk) AS walk_n, (SELECT ${edge}(value) FROM walk) AS walk_edge,
       (SELECT count(*) FROM passed) AS pass_n, (SELECT ${edge}(value) FROM passed) AS pass_edge
     FROM passed p ${j} latest_metrics o0 ON o0.run_uuid = p.run_uuid AND o0.key = ? ${j} runs r ON r.run_uuid = p.run_uuid ${rest.map((x) => x.sql).join(' ')}
     ${q.after ? `WHERE ${q.after.sql}` : ''} ${orderLimit(q)}`,
    [m.key, ...from.params, budget, ...passedParams, ...selectParams(q), m.key, ...rest.flatMap((x) => x.params), ...(q.after?.params ?? []), q.limit],
  );
  if (rows.length < q.limit) return undefined;
  const first = rows[0]!;
  const boundary = Number(first.pass_n) === pass ? first.pass_edge : Number(first.walk_n) === budget ? first.walk_edge : undefined;
  if (boundary === undefined || boundary === null) return rows;
  const last = Number(rows[rows.length - 1]!.pos_v0);
  return (m.ascending ? last < Number(boundary) : last > Number(boundary)) ? rows : undefined;
}

/**
 * The smallest equality condition's runs when there are few enough that starting from them beats
 * the walk: at most max(page + slack, 10 per row of the page) of them (1,010 for a 100-run page). Below
 * page + slack the walk could never fill its page from them and would read its whole budget
 * (40 index entries a row, each probed) before handing over; up to a quarter of that, looking up
 * each of them costs about what a successful walk does. Each count stops at the threshold.
 */
async function selectiveDriver(q: PageQuery): Promise<{ term: FilterTerm; n: number } | undefined> {
  const cap = Math.max(q.limit + q.slack, (WALK_PER_ROW * q.limit) / 4);
  let best: { term: FilterTerm; n: number } | undefined;
  for (const term of q.terms) {
    if (!term.equality || !term.driver) continue;
    const row = await q.db.one<{ n: number }>(`SELECT count(*) AS n FROM (${term.driver.sql} LIMIT ${cap + 1}) d`, term.driver.params);
    const n = Number(row?.n ?? 0);
    if (n <= cap && (!best || n < best.n)) best = { term, n };
  }
  return best;
}

// A starting list longer than this is not counted further: reading the experiment's runs is as
// cheap by then.
const DRIVER_CAP = 50_000;

/**
 * The driven plan: start from the filter condition that matches the fewest runs (each counted on
 * its (key, value) index, up to DRIVER_CAP), look each up, test the other conditions per run and
 * sort. Without such a condition, read the experiments' runs.
 */
async function drivenPage(q: PageQuery, chosen?: { term: FilterTerm; n: number }): Promise<Row[]> {
  let best = chosen;
  for (const term of chosen ? [] : q.terms) {
    if (!term.driver) continue;
    const row = await q.db.one<{ n: number }>(`SELECT count(*) AS n FROM (${term.driver.sql} LIMIT ${DRIVER_CAP}) d`, term.driver.params);
    const n = Number(row?.n ?? 0);
    if (n < DRIVER_CAP && (!best || n < best.n)) best = { term, n };
  }
  const joins = q.joins.filter((j): j is SqlPart => !!j);
  const joinSql = joins.map((j) => j.sql).join(' ');
  const joinParams = joins.flatMap((j) => j.params);
  if (!best) {
    const where = whereOf(q, q.terms);
    return q.db.all<Row>(`${select(q)} FROM runs r ${joinSql} WHERE ${where.sql} ${orderLimit(q)}`, [...selectParams(q), ...joinParams, ...where.params, q.limit]);
  }
  const driver = best.term.driver!;
  const where = whereOf(q, q.terms.filter((t) => t !== best!.term));
  return q.db.all<Row>(
    `${select(q)} FROM (${driver.sql}) d ${joinKeyword(q.db)} runs r ON r.run_uuid = d.run_uuid ${joinSql} WHERE ${where.sql} ${orderLimit(q)}`,
    [...selectParams(q), ...driver.params, ...joinParams, ...where.params, q.limit],
  );
}
