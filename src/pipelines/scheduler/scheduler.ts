/**
 * @module The event-driven scheduler. No loop scans incomplete steps: a step's outcome arrives
 * as a promise, its transition is written in one transaction, and its dependents are considered
 * right then (a counter of unfinished needs per step). All state is in the store; memory holds
 * only what is needed to react, rebuilt from the store by `recover()` after a restart.
 *
 * Rules: a step runs when every need is done; a need that failed, was cancelled or skipped skips
 * it (finally steps excepted: they run once every other step is done); a false `when` skips it;
 * a retryable failure waits `backoff * factor^(attempt-1)` (capped) and runs again up to
 * `retries` times; DoNotRetry fails at once; a timeout kills the attempt and counts as a
 * retryable failure; cancel kills running attempts and cancels what has not started.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Trainyard } from '../../client/trainyard.js';
import { InvalidParameter, InvalidState, NotFound } from '../../core/errors.js';
import { checkParamValue } from '../definition/compile-yaml.js';
import { evaluateCondition, parseCondition } from '../definition/condition.js';
import type { Artifact, JsonValue } from '../definition/refs.js';
import type { PipelineSpec, StepSpec } from '../definition/spec.js';
import type { Executor, OutputValue, StepOutcome, StepTask, TaskHandle } from '../executors/executor.js';
import { LocalExecutor } from '../executors/local/local-executor.js';
import { executorFactory } from '../executors/registry.js';
import { cacheIngredients, cacheKeyOf } from '../runtime/cache-key.js';
import { runFunctionStep } from '../runtime/run-function-step.js';
import { StepLog } from '../runtime/step-log.js';
import { renderCommand } from '../runtime/template.js';
import { MAP_ROW, OK_STEP, PLAIN, TERMINAL_STEP, putArtifacts, putCache, type ArtifactLink, type PipelineStore, type RunRow, type StepRow, type StepStatus } from '../store/pipeline-store.js';
import { resolveInputs, resolveValue } from './resolve-inputs.js';

export interface SchedulerOptions {
  store: PipelineStore;
  /** Workdirs and logs go under `<home>/pipelines/<run>/`. */
  home: string;
  owner?: string;
  /** SDK for TypeScript steps (tracking runs, registry). */
  trainyard?: () => Trainyard;
  serverUrl?: string;
  /**
   * The URL of the server this scheduler runs in, known once it listens: what remote executors
   * (Kubernetes pods, agents) get as TRAINYARD_URI when `serverUrl` is not set.
   */
  hostUrl?: () => string | undefined;
  /** Local executor's concurrency cap. */
  concurrency?: number;
  /** A run whose owner has not beaten for this long is taken over (default 15 s). */
  leaseMs?: number;
  /** Services handed to plug-in executors (the work queue...). */
  services?: Record<string, unknown>;
}

export interface StepEvent {
  runId: string;
  step: string;
  item: number;
  status: StepStatus;
  attempt: number;
  error?: string;
  cachedFrom?: { run: string; step: string };
  at: number;
}

export interface SubmitOptions {
  params?: Record<string, unknown>;
  executor?: string;
  cache?: boolean;
}

interface MapState {
  items: unknown[];
  status: StepStatus[];
  outputs: (Record<string, unknown> | undefined)[];
  next: number;
  running: number;
  done: number;
}

interface RunState {
  run: RunRow;
  spec: PipelineSpec;
  steps: Map<string, StepSpec>;
  dependents: Map<string, string[]>;
  status: Map<string, StepStatus>;
  attempts: Map<string, number>;
  outputs: Map<string, Record<string, unknown>>;
  maps: Map<string, MapState>;
  handles: Map<string, TaskHandle>;
  timers: Set<NodeJS.Timeout>;
  executor: Executor;
  finished: Promise<RunRow>;
  resolveFinished: (r: RunRow) => void;
  finishing: boolean;
}

const key = (step: string, item: number) => (item === PLAIN ? step : `${step}[${item}]`);
const isTerminal = (s: StepStatus | undefined) => s !== undefined && TERMINAL_STEP.includes(s);
const isOk = (s: StepStatus | undefined) => s !== undefined && OK_STEP.includes(s);

export function newRunId(): string {
  return `pr_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

function isArtifact(v: unknown): v is Artifact {
  return !!v && typeof v === 'object' && typeof (v as Artifact).digest === 'string' && typeof (v as Artifact).path === 'string';
}

function artifactsIn(v: unknown, name: string, out: { name: string; a: Artifact }[]): void {
  if (isArtifact(v)) out.push({ name, a: v });
  else if (Array.isArray(v)) v.forEach((x, i) => artifactsIn(x, `${name}[${i}]`, out));
}

/** Coerces `--param k=v` strings and checks every param's type. */
export function resolveParams(spec: PipelineSpec, given: Record<string, unknown>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(given)) if (!(k in spec.params)) throw new InvalidParameter(`Unknown param '${k}': pipeline '${spec.name}' declares ${Object.keys(spec.params).join(', ') || 'none'}.`);
  for (const [k, p] of Object.entries(spec.params)) {
    let v = given[k] ?? p.default;
    if (v === undefined) throw new InvalidParameter(`Param '${k}' has no default: pass --param ${k}=VALUE.`);
    if (typeof v === 'string' && p.type !== 'string') {
      const s = v;
      if (p.type === 'number' || p.type === 'integer') v = s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
      else if (p.type === 'boolean') v = s === 'true' ? true : s === 'false' ? false : s;
      else if (p.type === 'json') {
        try {
          v = JSON.parse(s);
        } catch {
          v = s;
        }
      }
    }
    checkParamValue(k, p.type, v);
    out[k] = v as JsonValue;
  }
  return out;
}

export class PipelineScheduler extends EventEmitter {
  readonly owner: string;
  private readonly runs = new Map<string, RunState>();
  private readonly executors = new Map<string, Promise<Executor>>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly leaseMs: number;
  private reclaimed = new Set<string>();

  constructor(private readonly opts: SchedulerOptions) {
    super();
    this.setMaxListeners(0);
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.heartbeat = setInterval(() => void this.beat().catch(() => {}), Math.max(200, this.leaseMs / 3));
    this.heartbeat.unref();
  }

  /** Keeps our runs' leases fresh, and notices a cancel another process wrote to the store. */
  private async beat(): Promise<void> {
    const ids = [...this.runs.keys()];
    await this.opts.store.heartbeat(this.owner, ids);
    for (const id of ids) {
      const st = this.runs.get(id);
      if (!st || st.run.status === 'cancelling') continue;
      const row = await this.opts.store.getRun(id);
      if (row?.status === 'cancelling') {
        st.run.status = 'cancelling';
        await this.cancelAll(st);
      }
    }
  }

  get store(): PipelineStore {
    return this.opts.store;
  }

  runDir(runId: string): string {
    return join(this.opts.home, 'pipelines', runId);
  }

  logPath(runId: string, step: string, item: number): string {
    return join(this.runDir(runId), 'logs', `${item === PLAIN ? step : `${step}.${item}`}.log`);
  }

  private executor(name: string): Promise<Executor> {
    let e = this.executors.get(name);
    if (!e) {
      const runFunctionTask = (t: StepTask, ev: Parameters<typeof runFunctionStep>[1], s: AbortSignal) => runFunctionStep(t, ev, s, { ...(this.opts.trainyard ? { trainyard: this.opts.trainyard } : {}) });
      e =
        name === 'local'
          ? Promise.resolve(new LocalExecutor({ runFunctionTask }, { ...(this.opts.concurrency !== undefined ? { concurrency: this.opts.concurrency } : {}) }))
          : executorFactory(name).then((f) => {
              const serverUrl = this.opts.serverUrl ?? this.opts.hostUrl?.();
              return f({ ...(serverUrl ? { serverUrl } : {}), runFunctionTask, services: this.opts.services ?? {} }, {});
            });
      this.executors.set(name, e);
      e.catch(() => this.executors.delete(name));
    }
    return e;
  }

  /** Validates params, stores the run with its spec, and starts it. */
  async submit(spec: PipelineSpec, o: SubmitOptions = {}): Promise<RunRow> {
    const params = resolveParams(spec, o.params ?? {});
    const executorName = o.executor ?? 'local';
    await this.executor(executorName);
    const id = newRunId();
    const now = Date.now();
    await this.store.createRun(
      { id, pipeline: spec.name, status: 'running', params, spec, definition_hash: spec.definitionHash, code_hash: spec.codeHash, executor: executorName, use_cache: o.cache ?? true, owner: this.owner, created_at: now },
      spec.steps.map((s) => ({ step: s.name, item: s.map ? MAP_ROW : PLAIN })),
    );
    const run = (await this.store.getRun(id))!;
    await this.load(run);
    return run;
  }

  /** Resolves when the run reaches a final state. */
  async wait(runId: string): Promise<RunRow> {
    const st = this.runs.get(runId);
    if (st) return st.finished;
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFound(`No pipeline run '${runId}'.`);
    return run;
  }

  /** Picks up every run nobody drives (after a restart, or a replica that died). */
  async recover(): Promise<string[]> {
    const ids = await this.store.unownedRuns(this.owner, this.leaseMs);
    // A run whose owner was a process on this machine that no longer exists (kill -9, crash) is
    // taken at once instead of after the lease: its pid says it is gone.
    for (const r of await this.store.runsOwnedElsewhere(this.owner)) {
      const [host, pid] = (r.owner ?? '').split(':');
      if (host === hostname() && pid && Number(pid) !== process.pid && !processAlive(Number(pid)) && (await this.store.claimRunFrom(r.id, this.owner, r.owner!))) ids.push(r.id);
    }
    const taken: string[] = [];
    for (const id of [...new Set(ids)]) {
      if (this.runs.has(id)) continue;
      if (!(await this.store.claimRun(id, this.owner, this.leaseMs))) continue;
      await this.load((await this.store.getRun(id))!);
      taken.push(id);
    }
    return taken;
  }

  async cancel(runId: string): Promise<RunRow> {
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFound(`No pipeline run '${runId}'.`);
    if (run.status !== 'running' && run.status !== 'cancelling') return run;
    await this.store.setRun(runId, { status: 'cancelling' }, ['running']);
    const st = this.runs.get(runId);
    if (st) {
      st.run.status = 'cancelling';
      await this.cancelAll(st);
    } else if (await this.store.claimRun(runId, this.owner, this.leaseMs)) {
      // Nobody drives it (its CLI died): load it here, and cancel.
      await this.load((await this.store.getRun(runId))!);
    }
    if (this.runs.has(runId)) return this.wait(runId);
    // Another process drives it: it sees 'cancelling' at its next heartbeat.
    return (await this.store.getRun(runId))!;
  }

  /**
   * Runs again what did not succeed (failed, cancelled, skipped), reusing what did. With
   * `steps`, those steps and everything downstream of them run again too.
   */
  async resume(runId: string, o: { steps?: string[] } = {}): Promise<RunRow> {
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFound(`No pipeline run '${runId}'.`);
    if (run.status === 'running' || run.status === 'cancelling') {
      // Already driven here (a restarted server recovered it): resuming is following it.
      if (this.runs.has(runId) && !o.steps?.length) return run;
      if (this.runs.has(runId)) throw new InvalidState(`Run '${runId}' is still running: wait for it or cancel it before retrying steps.`);
      if (!(await this.store.claimRun(runId, this.owner, this.leaseMs))) throw new InvalidState(`Run '${runId}' is still running (driven by ${run.owner}).`);
    }
    const again = new Set<string>();
    for (const s of o.steps ?? []) {
      if (!run.spec.steps.some((x) => x.name === s)) throw new InvalidParameter(`Run '${runId}' has no step '${s}'.`);
      again.add(s);
    }
    // Everything downstream of a step that runs again runs again.
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of run.spec.steps) if (!again.has(s.name) && s.needs.some((n) => again.has(n))) grew = again.add(s.name) && true;
    }
    const rows = await this.store.steps(runId);
    await this.store.db.transaction(async (tx) => {
      for (const r of rows) {
        const redo = again.has(r.step) || !OK_STEP.includes(r.status);
        if (!redo) continue;
        if (r.item >= 0 && again.has(r.step)) await tx.run('DELETE FROM pipeline_steps WHERE run_id = ? AND step = ? AND item = ?', [runId, r.step, r.item]);
        else if (r.item >= 0) await tx.run("UPDATE pipeline_steps SET status = 'pending', error = NULL, next_attempt_at = NULL WHERE run_id = ? AND step = ? AND item = ?", [runId, r.step, r.item]);
        else {
          const mapPartly = r.item === MAP_ROW && !again.has(r.step) && rows.some((x) => x.step === r.step && x.item >= 0);
          await tx.run(`UPDATE pipeline_steps SET status = ?, error = NULL, outputs = NULL, next_attempt_at = NULL, cached_from_run = NULL, cached_from_step = NULL WHERE run_id = ? AND step = ? AND item = ?`, [mapPartly ? 'running' : 'pending', runId, r.step, r.item]);
        }
      }
      await tx.run("UPDATE pipeline_runs SET status = 'running', error = NULL, ended_at = NULL, owner = ?, owner_heartbeat = ? WHERE id = ?", [this.owner, Date.now(), runId]);
    });
    const fresh = (await this.store.getRun(runId))!;
    await this.load(fresh);
    return fresh;
  }

  // ---- loading and driving ----

  private async load(run: RunRow): Promise<void> {
    const spec = run.spec;
    const executor = await this.executor(run.executor);
    let resolveFinished!: (r: RunRow) => void;
    const finished = new Promise<RunRow>((r) => (resolveFinished = r));
    const st: RunState = {
      run,
      spec,
      steps: new Map(spec.steps.map((s) => [s.name, s])),
      dependents: new Map(spec.steps.map((s) => [s.name, [] as string[]])),
      status: new Map(),
      attempts: new Map(),
      outputs: new Map(),
      maps: new Map(),
      handles: new Map(),
      timers: new Set(),
      executor,
      finished,
      resolveFinished,
      finishing: false,
    };
    for (const s of spec.steps) for (const n of s.needs) st.dependents.get(n)!.push(s.name);
    const rows = await this.store.steps(run.id);
    const orphans: StepRow[] = [];
    const retryAt: StepRow[] = [];
    for (const r of rows) {
      if (r.item >= 0) continue;
      let status = r.status;
      if (status === 'running' && r.item === PLAIN) {
        orphans.push(r);
        status = 'pending';
      }
      if (status === 'waiting_retry') retryAt.push(r);
      st.status.set(r.step, status);
      st.attempts.set(r.step, r.attempt);
      if (r.outputs) st.outputs.set(r.step, r.outputs);
    }
    for (const r of rows) {
      if (r.item < 0) continue;
      const m = this.mapState(st, r.step);
      let status = r.status;
      if (status === 'running') {
        orphans.push(r);
        status = 'pending';
      }
      if (status === 'waiting_retry') retryAt.push(r);
      m.status[r.item] = status;
      if (r.outputs) m.outputs[r.item] = r.outputs;
      st.attempts.set(key(r.step, r.item), r.attempt);
    }
    if (orphans.length > 0) {
      // A task a dead process started must not finish after we re-run it.
      await executor.reclaim(orphans.filter((o) => o.started_info && o.task_id && !this.reclaimed.has(o.task_id)).map((o) => ({ taskId: o.task_id!, info: o.started_info! })));
      for (const o of orphans) await this.store.transition(run.id, o.step, o.item, ['running'], { status: 'pending', error: 'restarted: the process that ran it is gone' });
    }
    this.runs.set(run.id, st);
    // Rebuild map progress (items only exist once the map was expanded).
    for (const [name, m] of st.maps) {
      m.items = (resolveValue(st.steps.get(name)!.map!.over, this.scope(st)) as unknown[]) ?? [];
      m.status.length = m.items.length;
      for (let i = 0; i < m.items.length; i++) m.status[i] ??= 'pending';
      m.done = m.status.filter(isTerminal).length;
      m.next = 0;
    }
    for (const r of retryAt) this.scheduleRetry(st, st.steps.get(r.step)!, r.item, Math.max(0, (r.next_attempt_at ?? 0) - Date.now()));
    if (run.status === 'cancelling') {
      await this.cancelAll(st);
      return;
    }
    // Maps expanded before this load resume their items; the ones `consider` expands pump themselves.
    const expanded = [...st.maps.keys()].filter((name) => st.status.get(name) === 'running');
    for (const s of spec.steps) this.consider(st, s.name);
    for (const name of expanded) this.pumpMap(st, st.steps.get(name)!);
    this.checkFinished(st);
  }

  private mapState(st: RunState, name: string): MapState {
    let m = st.maps.get(name);
    if (!m) st.maps.set(name, (m = { items: [], status: [], outputs: [], next: 0, running: 0, done: 0 }));
    return m;
  }

  private scope(st: RunState, item?: unknown) {
    return {
      params: st.run.params,
      item,
      output: (step: string, output: string) => {
        const o = st.outputs.get(step);
        return o ? o[output] : undefined;
      },
    };
  }

  /** Called when something a step waits for finished: starts, skips or leaves it. */
  private consider(st: RunState, name: string): void {
    if (st.status.get(name) !== 'pending') return;
    const s = st.steps.get(name)!;
    if (st.run.status === 'cancelling') return;
    if (!s.needs.every((n) => isTerminal(st.status.get(n)))) return;
    if (s.finally) {
      const others = st.spec.steps.filter((x) => !x.finally);
      if (!others.every((x) => isTerminal(st.status.get(x.name)))) return;
    } else {
      const bad = s.needs.find((n) => !isOk(st.status.get(n)));
      if (bad) return void this.settle(st, s, PLAIN_OR_MAP(s), 'skipped', { error: `upstream step '${bad}' ${st.status.get(bad)}` });
    }
    if (s.when !== undefined) {
      let holds = false;
      try {
        holds = evaluateCondition(parseCondition(s.when), { output: (step, out) => st.outputs.get(step)?.[out], param: (p) => st.run.params[p] });
      } catch {
        holds = false;
      }
      if (!holds) return void this.settle(st, s, PLAIN_OR_MAP(s), 'skipped', { error: `condition false: ${s.when}` });
    }
    st.status.set(name, 'running');
    if (s.map) void this.expandMap(st, s).catch((e) => this.crash(st, s, MAP_ROW, e));
    else void this.startAttempt(st, s, PLAIN).catch((e) => this.crash(st, s, PLAIN, e));
  }

  private async expandMap(st: RunState, s: StepSpec): Promise<void> {
    const over = resolveValue(s.map!.over, this.scope(st));
    if (!Array.isArray(over)) return this.settle(st, s, MAP_ROW, 'failed', { error: `map.over is not a list (got ${JSON.stringify(over)?.slice(0, 80)})` });
    const m = this.mapState(st, s.name);
    m.items = over;
    m.status = over.map(() => 'pending' as StepStatus);
    m.outputs = [];
    await this.store.insertItems(st.run.id, s.name, over.length, { status: 'running', started_at: Date.now() });
    if (over.length === 0) return this.finishMap(st, s);
    this.pumpMap(st, s);
  }

  /** Starts items until `parallelism` run at once. */
  private pumpMap(st: RunState, s: StepSpec): void {
    const m = st.maps.get(s.name)!;
    if (m.items.length === 0 || m.done === m.items.length) return void this.finishMap(st, s);
    while (m.running < s.map!.parallelism && m.next < m.items.length && st.run.status !== 'cancelling') {
      const i = m.next++;
      if (m.status[i] !== 'pending') continue;
      m.running++;
      m.status[i] = 'running';
      void this.startAttempt(st, s, i).catch((e) => this.crash(st, s, i, e));
    }
  }

  private async finishMap(st: RunState, s: StepSpec): Promise<void> {
    const m = st.maps.get(s.name)!;
    if (st.status.get(s.name) !== 'running') return;
    const bad = m.status.filter((x) => !isOk(x)).length;
    if (bad > 0) return this.settle(st, s, MAP_ROW, m.status.some((x) => x === 'cancelled') && st.run.status === 'cancelling' ? 'cancelled' : 'failed', { error: `${bad} of ${m.items.length} items did not succeed` });
    const collected: Record<string, unknown[]> = {};
    for (const o of Object.keys(s.outputs)) collected[o] = m.outputs.map((x) => x?.[o] ?? null);
    await this.settle(st, s, MAP_ROW, 'succeeded', { outputs: collected });
  }

  private task(st: RunState, s: StepSpec, item: number, attempt: number, inputs: Record<string, unknown>): StepTask {
    const m = item >= 0 ? st.maps.get(s.name)! : undefined;
    const itemValue = m ? (m.items[item] as JsonValue) : undefined;
    const workdir = join(this.runDir(st.run.id), 'steps', item === PLAIN ? s.name : `${s.name}.${item}`, `attempt-${attempt}`);
    const env: Record<string, string> = {
      ...s.env,
      TRAINYARD_PIPELINE_RUN: st.run.id,
      TRAINYARD_PIPELINE_STEP: s.name,
      ...(item >= 0 ? { TRAINYARD_PIPELINE_ITEM: String(item) } : {}),
      ...(this.opts.serverUrl ? { TRAINYARD_URI: this.opts.serverUrl } : {}),
    };
    const base = {
      id: `${st.run.id}/${key(s.name, item)}#${attempt}`,
      pipelineRunId: st.run.id,
      pipeline: st.spec.name,
      definitionHash: st.run.definition_hash,
      step: s.name,
      ...(item >= 0 ? { itemIndex: item, item: itemValue } : {}),
      attempt,
      inputs: inputs as StepTask['inputs'],
      params: st.run.params,
      outputs: s.outputs,
      env,
      workdir,
      cwd: st.spec.source.dir,
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      ...(s.kubernetes ? { kubernetes: s.kubernetes } : {}),
      ...(s.agent && Object.keys(s.agent.labels).length ? { agentLabels: s.agent.labels } : {}),
    };
    if (s.kind === 'command') {
      const shell = renderCommand(s.command!, { params: st.run.params, inputs: base.inputs, outputs: s.outputs, item: itemValue, workdir });
      return { ...base, kind: 'command', command: { shell } };
    }
    return { ...base, kind: 'function', fn: { module: st.spec.source.file, step: s.name, ...(s.builtin && s.uses ? { builtin: s.uses } : {}) } };
  }

  /**
   * What starting an attempt writes: its number, task and the 'running' patch (or the cache hit
   * that settles it instead). Kept apart from the start itself so a step's end can write its
   * dependent's start in the same transaction (settle).
   */
  private async prepareAttempt(st: RunState, s: StepSpec, item: number, lookUpCache = true): Promise<PreparedAttempt | { cached: Parameters<PipelineStore['transition']>[4] }> {
    const m = item >= 0 ? st.maps.get(s.name)! : undefined;
    const itemValue = m ? m.items[item] : undefined;
    const inputs = resolveInputs(s.inputs, { ...this.scope(st, itemValue), output: (step, out) => st.outputs.get(step)?.[out] });
    const useCache = Boolean(st.run.use_cache && s.cache);
    const ingredients = cacheIngredients(st.spec, s, inputs, itemValue);
    const cacheKey = cacheKeyOf(ingredients);
    if (useCache && lookUpCache) {
      const hit = await this.store.cacheGet(cacheKey);
      if (hit && hit.run_id !== st.run.id && this.stillThere(hit.outputs)) {
        return { cached: { outputs: hit.outputs, cache_key: cacheKey, cached_from_run: hit.run_id, cached_from_step: key(hit.step, hit.item), inputs } };
      }
    }
    const k = key(s.name, item);
    const attempt = (st.attempts.get(k) ?? 0) + 1;
    st.attempts.set(k, attempt);
    const task = this.task(st, s, item, attempt, inputs);
    const patch = { status: 'running' as const, attempt, task_id: task.id, started_at: Date.now(), ended_at: null, error: null, inputs, cache_key: cacheKey, next_attempt_at: null };
    return { attempt, task, inputs, useCache, ingredients, cacheKey, patch };
  }

  /** `marked`: the 'running' row already committed (with the step this one waited for). */
  private async startAttempt(st: RunState, s: StepSpec, item: number, ready?: { prepared: PreparedAttempt; marked: Promise<boolean> }): Promise<void> {
    if (!ready && (st.run.status as string) === 'cancelling') return this.settle(st, s, item, 'cancelled', { error: 'run cancelled' });
    const prepared = ready?.prepared ?? (await this.prepareAttempt(st, s, item));
    if ('cached' in prepared) return this.settle(st, s, item, 'cached', prepared.cached);
    const { attempt, task, inputs, useCache, ingredients, cacheKey } = prepared;
    const k = key(s.name, item);
    const marking = ready?.marked ?? this.store.transition(st.run.id, s.name, item, ['pending', 'waiting_retry'], prepared.patch);
    // A function step on the local executor runs in this process and dies with it, so it may start
    // while its 'running' row commits: a dependency edge then waits on one commit (the step's end),
    // not two. Anything that can outlive this process (a child process, a pod, an agent's task)
    // starts only once 'running' is durable, so a restarted server knows to stop it.
    const inProcess = task.kind === 'function' && st.executor.name === 'local';
    if (inProcess) marking.catch(() => {});
    else if (!(await marking)) return; // someone else (a cancel) moved it
    this.emitStep(st, s.name, item, 'running', attempt);
    mkdirSync(task.workdir, { recursive: true });
    const log = new StepLog(this.logPath(st.run.id, s.name, item));
    log.write('system', `attempt ${attempt} started${task.kind === 'command' ? `: ${task.command!.shell}` : ''}`);
    const handle = st.executor.start(task, {
      started: (info) => {
        // Recorded so a restarted server can stop it: a child process, or a remote task (agent, Job).
        if ((info.pid && info.pid !== process.pid) || info.host) void this.store.transition(st.run.id, s.name, item, ['running'], { started_info: info as Record<string, unknown> }).catch(() => {});
      },
      log: (stream, line) => log.write(stream, line),
    });
    st.handles.set(k, handle);
    if (inProcess) void marking.then((ok) => { if (!ok) void handle.cancel('the step was moved by another writer (a cancel)'); }, () => {});
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (s.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        void handle.cancel('timeout');
      }, s.timeoutMs);
      st.timers.add(timer);
    }
    let outcome: StepOutcome;
    try {
      outcome = await handle.done;
    } catch (e) {
      outcome = { status: 'failed', error: (e as Error).message, retryable: true };
    }
    if (timer) {
      clearTimeout(timer);
      st.timers.delete(timer);
    }
    st.handles.delete(k);
    if (timedOut && outcome.status === 'cancelled') outcome = { status: 'failed', error: `timed out after ${s.timeoutMs} ms (process tree killed)`, retryable: true };
    log.write('system', `attempt ${attempt} ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error}` : ''}`);
    await log.close();
    // The end is written after the start (and not at all if the start lost its guard).
    if (inProcess && !(await marking)) return;
    if (outcome.status === 'succeeded') {
      const links: ArtifactLink[] = [];
      const found: { name: string; a: Artifact }[] = [];
      for (const [n, v] of Object.entries(inputs)) artifactsIn(v, n, found);
      for (const f of found) links.push({ run_id: st.run.id, step: s.name, item, direction: 'input', name: f.name, uri: f.a.uri, digest: f.a.digest, size: f.a.size });
      const outs: { name: string; a: Artifact }[] = [];
      for (const [n, v] of Object.entries(outcome.outputs)) artifactsIn(v, n, outs);
      for (const f of outs) links.push({ run_id: st.run.id, step: s.name, item, direction: 'output', name: f.name, uri: f.a.uri, digest: f.a.digest, size: f.a.size });
      const extra = useCache || links.length
        ? async (tx: Parameters<NonNullable<Parameters<PipelineStore['transition']>[5]>>[0]) => {
            if (useCache) await putCache(tx, { cache_key: cacheKey, ingredients: ingredients as unknown as Record<string, unknown>, outputs: outcome.outputs as Record<string, unknown>, run_id: st.run.id, step: s.name, item });
            if (links.length) await putArtifacts(tx, links);
          }
        : undefined;
      return this.settle(st, s, item, 'succeeded', { outputs: outcome.outputs, tracking_run_id: outcome.trackingRunId ?? null }, extra);
    }
    if (outcome.status === 'cancelled') return this.settle(st, s, item, 'cancelled', { error: `cancelled: ${outcome.reason}` });
    if (outcome.retryable && attempt <= s.retry.retries && (st.run.status as string) !== 'cancelling') {
      const delay = Math.min(s.retry.maxBackoffMs, s.retry.backoffMs * s.retry.backoffFactor ** (attempt - 1));
      const ok2 = await this.store.transition(st.run.id, s.name, item, ['running'], { status: 'waiting_retry', error: outcome.error, next_attempt_at: Date.now() + delay, ended_at: Date.now() });
      if (ok2) {
        this.emitStep(st, s.name, item, 'waiting_retry', attempt, outcome.error);
        this.scheduleRetry(st, s, item, delay);
      }
      return;
    }
    return this.settle(st, s, item, 'failed', { error: outcome.error, tracking_run_id: outcome.trackingRunId ?? null });
  }

  private scheduleRetry(st: RunState, s: StepSpec, item: number, delay: number): void {
    const t = setTimeout(() => {
      st.timers.delete(t);
      void this.startAttempt(st, s, item).catch((e) => this.crash(st, s, item, e));
    }, delay);
    st.timers.add(t);
    if (item >= 0) st.maps.get(s.name)!.status[item] = 'running';
    else st.status.set(s.name, 'running');
  }

  private stillThere(outputs: Record<string, unknown>): boolean {
    const found: { name: string; a: Artifact }[] = [];
    for (const [n, v] of Object.entries(outputs)) artifactsIn(v, n, found);
    return found.every((f) => !f.a.uri.startsWith('file:') || existsSync(fileURLToPath(f.a.uri)));
  }

  /**
   * Writes a final state (one transaction), then reacts: dependents, the map, the run. A plain
   * step that ends well writes, in the same transaction, the start of each dependent it was the
   * last need of (command steps and other out-of-process tasks, which may start only once their
   * 'running' row is durable): one commit per dependency edge instead of two (on PostgreSQL each
   * is a WAL flush, ~5 ms on the project's machine).
   */
  private async settle(st: RunState, s: StepSpec, item: number, status: StepStatus, patch: Parameters<PipelineStore['transition']>[4], extra?: Parameters<PipelineStore['transition']>[5]): Promise<void> {
    const now = Date.now();
    const starts = item === PLAIN && isOk(status) ? await this.startsWith(st, s, patch.outputs ?? undefined) : [];
    const marks = starts.map((): { value?: boolean } => ({}));
    const withStarts = starts.length
      ? async (tx: Parameters<NonNullable<Parameters<PipelineStore['transition']>[5]>>[0]) => {
          if (extra) await extra(tx);
          for (const [i, d] of starts.entries()) marks[i]!.value = await this.store.transitionIn(tx, st.run.id, d.s.name, PLAIN, ['pending', 'waiting_retry'], d.prepared.patch);
        }
      : extra;
    let ok: boolean;
    try {
      ok = await this.store.transition(st.run.id, s.name, item, ['pending', 'running', 'waiting_retry'], { ...patch, status, ended_at: now, ...(status === 'skipped' || status === 'cached' ? { started_at: now } : {}) }, withStarts);
    } catch (e) {
      for (const d of starts) st.attempts.set(key(d.s.name, PLAIN), d.prepared.attempt - 1);
      throw e;
    }
    if (!ok) {
      for (const d of starts) st.attempts.set(key(d.s.name, PLAIN), d.prepared.attempt - 1);
      return;
    }
    for (const [i, d] of starts.entries()) {
      if (!marks[i]!.value) {
        st.attempts.set(key(d.s.name, PLAIN), d.prepared.attempt - 1);
        continue;
      }
      st.status.set(d.s.name, 'running');
      void this.startAttempt(st, d.s, PLAIN, { prepared: d.prepared, marked: Promise.resolve(true) }).catch((e) => this.crash(st, d.s, PLAIN, e));
    }
    if (!ok) return;
    this.emitStep(st, s.name, item, status, st.attempts.get(key(s.name, item)) ?? 0, (patch as { error?: string }).error, status === 'cached' ? { run: patch.cached_from_run!, step: patch.cached_from_step! } : undefined);
    if (item >= 0) {
      const m = st.maps.get(s.name)!;
      m.status[item] = status;
      if (patch.outputs) m.outputs[item] = patch.outputs;
      m.running--;
      m.done++;
      if (m.done === m.items.length) await this.finishMap(st, s);
      else this.pumpMap(st, s);
      return;
    }
    st.status.set(s.name, status);
    if (patch.outputs) st.outputs.set(s.name, patch.outputs);
    for (const d of st.dependents.get(s.name) ?? []) this.consider(st, d);
    for (const f of st.spec.steps) if (f.finally) this.consider(st, f.name);
    this.checkFinished(st);
  }

  /**
   * The dependents that `s` ending well makes ready and whose start can share its transaction:
   * plain (not map, not finally) steps without a condition or a cache lookup, every other need
   * already done well, run not cancelling, and a task that outlives this process (an in-process
   * function step already starts without waiting for its commit).
   */
  private async startsWith(st: RunState, s: StepSpec, outputs: Record<string, unknown> | undefined): Promise<{ s: StepSpec; prepared: PreparedAttempt }[]> {
    if ((st.run.status as string) === 'cancelling') return [];
    const out: { s: StepSpec; prepared: PreparedAttempt }[] = [];
    for (const d of st.dependents.get(s.name) ?? []) {
      const ds = st.steps.get(d)!;
      if (st.status.get(d) !== 'pending' || ds.map || ds.finally || ds.when !== undefined || (st.run.use_cache && ds.cache)) continue;
      if (!ds.needs.every((n) => n === s.name || isOk(st.status.get(n)))) continue;
      // Its inputs may read this step's outputs, which are not in memory until the commit.
      const had = st.outputs.get(s.name);
      if (outputs) st.outputs.set(s.name, outputs as Record<string, OutputValue>);
      try {
        const prepared = await this.prepareAttempt(st, ds, PLAIN, false);
        if ('cached' in prepared) continue;
        if (prepared.task.kind === 'function' && st.executor.name === 'local') {
          st.attempts.set(key(d, PLAIN), prepared.attempt - 1);
          continue;
        }
        out.push({ s: ds, prepared });
      } finally {
        if (had) st.outputs.set(s.name, had);
        else st.outputs.delete(s.name);
      }
    }
    return out;
  }

  private crash(st: RunState, s: StepSpec, item: number, e: unknown): void {
    this.emit('error-log', e);
    void this.settle(st, s, item, 'failed', { error: `scheduler error: ${(e as Error)?.message ?? String(e)}` }).catch(() => {});
  }

  private async cancelAll(st: RunState): Promise<void> {
    for (const t of st.timers) clearTimeout(t);
    st.timers.clear();
    await Promise.all([...st.handles.values()].map((h) => h.cancel('run cancelled')));
    for (const s of st.spec.steps) {
      const cur = st.status.get(s.name);
      if (cur === 'pending' || (cur === 'running' && !st.handles.has(s.name) && !s.map)) await this.settle(st, s, PLAIN_OR_MAP(s), 'cancelled', { error: 'run cancelled' });
      const m = st.maps.get(s.name);
      if (m) {
        for (let i = 0; i < m.status.length; i++) if (m.status[i] === 'pending' || (m.status[i] === 'running' && !st.handles.has(key(s.name, i)))) await this.settle(st, s, i, 'cancelled', { error: 'run cancelled' });
        if (m.items.length === 0 && st.status.get(s.name) === 'running') await this.settle(st, s, MAP_ROW, 'cancelled', { error: 'run cancelled' });
      }
    }
    this.checkFinished(st);
  }

  private checkFinished(st: RunState): void {
    if (st.finishing) return;
    if (!st.spec.steps.every((s) => isTerminal(st.status.get(s.name)))) return;
    st.finishing = true;
    const statuses = st.spec.steps.map((s) => st.status.get(s.name)!);
    const failed = st.spec.steps.filter((s) => st.status.get(s.name) === 'failed');
    const status = st.run.status === 'cancelling' ? 'cancelled' : failed.length > 0 || statuses.includes('cancelled') ? 'failed' : 'succeeded';
    const error = failed.length ? `step${failed.length > 1 ? 's' : ''} ${failed.map((f) => `'${f.name}'`).join(', ')} failed` : null;
    void (async () => {
      await this.store.setRun(st.run.id, { status, error, ended_at: Date.now(), owner: null }, ['running', 'cancelling']);
      this.runs.delete(st.run.id);
      const final = (await this.store.getRun(st.run.id))!;
      this.emit('run', final);
      st.resolveFinished(final);
    })();
  }

  private emitStep(st: RunState, step: string, item: number, status: StepStatus, attempt: number, error?: string, cachedFrom?: { run: string; step: string }): void {
    if (this.listenerCount('step') === 0) return;
    const ev: StepEvent = { runId: st.run.id, step, item, status, attempt, at: Date.now(), ...(error ? { error } : {}), ...(cachedFrom ? { cachedFrom } : {}) };
    this.emit('step', ev);
  }

  /** Stops driving (running steps keep their state in the store; a restart picks them up). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const st of this.runs.values()) for (const t of st.timers) clearTimeout(t);
    for (const e of this.executors.values()) await (await e.catch(() => undefined))?.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface PreparedAttempt {
  attempt: number;
  task: StepTask;
  inputs: Record<string, unknown>;
  useCache: boolean;
  ingredients: ReturnType<typeof cacheIngredients>;
  cacheKey: string;
  patch: Parameters<PipelineStore['transition']>[4];
}

function PLAIN_OR_MAP(s: StepSpec): number {
  return s.map ? MAP_ROW : PLAIN;
}

export type { OutputValue };
