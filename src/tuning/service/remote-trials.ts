/**
 * @module Ask/tell for workers in other processes: the engine's `Trial` lives on the server and
 * each remote call is applied to it, so the sampler's choices are made here, with the whole study
 * in view, and a worker needs no sampler at all. Two ways in: one call per `suggest`/`report`
 * (the server draws and decides), or a worker that suggests from the proposals it got at ask
 * (worker-start.ts) and sends what it used with `update`/`tell` (worker-patch.ts).
 *
 * Every call waits until its writes are in the store before answering: a worker never acts on a
 * value the store does not have (a proposal is not a value until the worker sends it back). A trial this server does not hold (after a restart, or asked on
 * another replica) is re-attached from the store; its remaining params are then sampled
 * independently, since the joint draw made at ask time is gone.
 */
import { InvalidParameter, InvalidState } from '../../core/errors.js';
import { distributionsCompatible, distributionsEqual, type Distribution, type ParamValue } from '../distributions.js';
import { SystemAttr, type FrozenTrial, type TrialState } from '../frozen-trial.js';
import type { SqlStudyStorage } from '../sql-study-storage.js';
import type { TellOptions } from '../study.js';
import { Trial } from '../trial.js';
import { checkObjectiveValues } from '../trial-input.js';
import type { LoadedStudy } from './study-registry.js';
import { RUN_ID_ATTR } from './study-config.js';
import type { TrialRuns } from './trial-runs.js';
import { applyWorkerPatch, type WorkerPatch } from './worker-patch.js';
import { pruneView, type PruneViewReply } from './worker-start.js';

interface LiveTrial {
  trial: Trial;
  runId: string | null;
  /** Params already logged to the run (params are write-once there). */
  logged: Set<string>;
}

export interface Suggestion {
  name: string;
  distribution: Distribution;
}

// Trials held at once per server. Beyond it the least recently used is dropped; it is
// re-attached from the store if its worker comes back (only its joint draw is lost).
const MAX_LIVE = 10_000;

export class RemoteTrials {
  private readonly live = new Map<string, LiveTrial>();

  constructor(
    private readonly storage: SqlStudyStorage,
    private readonly runs: TrialRuns | null,
    private readonly now: () => number,
  ) {}

  /** Starts a trial; `space` params are sampled now, in the same round trip. */
  async ask(s: LoadedStudy, space: readonly Suggestion[]): Promise<Trial> {
    await this.sweep(s);
    // Another worker's trial in flight is, for the sampler, at the values it was proposed: its
    // worker sends what it used later (within 100 ms, or at its first report or its tell).
    s.study.runningOverlay ??= (t) => this.live.get(keyOf(s, t.number))?.trial.likely() ?? t;
    if (space.length) {
      if (s.study.latestTrials().length === 0) await s.study.getTrials();
      checkSuggestions(s, null, space);
    }
    // The search space is drawn after the study's ask lock is released: the lock (one ask at a
    // time per study) then covers only the claim and the joint draw. Drawing the space inside it
    // (Study.ask(space)) added a second transaction to every ask's turn and, with 8 workers,
    // doubled the p50 round trip (bench/results/tuning-distributed.md).
    const trial = await s.study.ask();
    if (space.length) {
      try {
        for (const { name, distribution } of space) suggestOne(trial, name, distribution);
        await trial.flush();
      } catch (e) {
        await s.study.tell(trial, { state: 'FAIL', failReason: `ask() failed: ${(e as Error).message}` }).catch(() => undefined);
        throw e;
      }
    }
    const live: LiveTrial = { trial, runId: null, logged: new Set() };
    if (this.runs && s.config.tracking) {
      live.runId = await this.runs.startTrial(s.config.tracking, s.record.name, trial.number);
      if (live.runId) {
        trial.setSystemAttr(RUN_ID_ATTR, live.runId);
        await trial.flush();
        await this.logNewParams(live);
      }
    }
    this.put(s, trial.number, live);
    return trial;
  }

  /** Draws (or returns the already drawn) values; all are checked before any is drawn. */
  async suggest(s: LoadedStudy, number: number, items: readonly Suggestion[]): Promise<Record<string, ParamValue>> {
    return this.using(s, number, async (live) => {
      checkSuggestions(s, live.trial, items);
      const out: Record<string, ParamValue> = {};
      for (const { name, distribution: d } of items) out[name] = suggestOne(live.trial, name, d);
      await live.trial.flush();
      await this.logNewParams(live);
      return out;
    });
  }

  /**
   * Applies what a worker did since its last call (params used, reports, attrs) and answers the
   * pruner's fresh view. The worker decided pruning itself from the view it held; nothing is
   * decided here.
   */
  async update(s: LoadedStudy, number: number, patch: WorkerPatch | null, knownEtag?: string): Promise<{ state: TrialState; prune: PruneViewReply | null }> {
    return this.using(s, number, async (live) => {
      if (patch) await this.applyPatch(s, live, patch);
      s.study.refreshSoon();
      return { state: 'RUNNING' as const, prune: pruneView(s, number, knownEtag) };
    });
  }

  /** Records an intermediate value; resolves whether the pruner says stop. */
  async report(s: LoadedStudy, number: number, value: number, step: number): Promise<boolean> {
    return this.using(s, number, async (live) => {
      const known = live.trial.toFrozen().intermediateValues.has(step);
      live.trial.report(value, step);
      const prune = live.trial.shouldPrune();
      await live.trial.flush();
      if (live.runId && !known) await this.runs!.logIntermediate(live.runId, step, value);
      return prune;
    });
  }

  /** Finishes a trial; `patch` (the worker's last params, reports, attrs) goes in the same write. */
  async tell(s: LoadedStudy, number: number, opts: TellOptions, patch: WorkerPatch | null = null): Promise<FrozenTrial> {
    // Checked here so the message names the request field; the engine checks the same again.
    if ((opts.state ?? 'COMPLETE') === 'COMPLETE') checkObjectiveValues(opts.values, s.record.directions.length, `Parameter 'values' (trial ${number})`);
    const key = keyOf(s, number);
    let release = () => {};
    let reports: [number, number][] = [];
    if (patch) {
      const stored = this.live.has(key) ? null : await this.storage.getTrial(s.record.id, number);
      // A finished trial takes no patch; skip_if_finished answers it as it is.
      if (stored && stored.state !== 'RUNNING') return s.study.tell(number, opts);
      await this.using(s, number, async (live) => {
        release = live.trial.holdWrites();
        try {
          reports = await this.applyPatch(s, live, patch, { flush: false });
        } catch (e) {
          release();
          throw e;
        }
      });
    }
    try {
      return await this.finish(s, number, opts, reports);
    } finally {
      release();
    }
  }

  /** Tells the engine, then the trial's run (with `reports` the worker sent with its tell). */
  private async finish(s: LoadedStudy, number: number, opts: TellOptions, reports: readonly [number, number][] = []): Promise<FrozenTrial> {
    const key = keyOf(s, number);
    const live = this.live.get(key);
    let frozen: FrozenTrial;
    try {
      frozen = await s.study.tell(live?.trial ?? number, opts);
    } catch (e) {
      if (!(e instanceof InvalidParameter)) this.live.delete(key); // a bad value leaves the trial open for a retry
      throw e;
    }
    this.live.delete(key);
    await this.mirrorFinish(s, frozen, live?.runId, reports);
    return frozen;
  }

  /** Records a beat; resolves the trial's state (not RUNNING: the worker should stop). */
  async heartbeat(s: LoadedStudy, number: number): Promise<TrialState> {
    try {
      await this.storage.recordHeartbeat(s.record.id, number);
      return 'RUNNING';
    } catch (e) {
      if (!(e instanceof InvalidState)) throw e;
      this.live.delete(keyOf(s, number));
      return (await this.storage.getTrial(s.record.id, number)).state;
    }
  }

  /**
   * Fails trials silent for two heartbeat intervals, re-enqueueing their params (max_retry),
   * at most every half interval per study: a sweep with nothing stale is one indexed read.
   */
  async sweep(s: LoadedStudy): Promise<number[]> {
    const hb = s.config.heartbeat_interval_ms;
    const now = this.now();
    if (hb === null || now - s.lastSweep < hb / 2) return [];
    s.lastSweep = now;
    const retry = s.config.max_retry > 0 ? { maxRetry: s.config.max_retry } : undefined;
    const failed = await this.storage.failStaleTrials(s.record.id, 2 * hb, retry ? { retry } : {});
    for (const n of failed) {
      const live = this.live.get(keyOf(s, n));
      this.live.delete(keyOf(s, n));
      if (this.runs && s.config.tracking) await this.mirrorFinish(s, await this.storage.getTrial(s.record.id, n), live?.runId);
    }
    return failed;
  }

  /** Drops what this server holds for a study (deleted). */
  forget(studyId: string): void {
    for (const key of this.live.keys()) if (key.startsWith(`${studyId}:`)) this.live.delete(key);
  }

  private async using<T>(s: LoadedStudy, number: number, fn: (live: LiveTrial) => Promise<T>): Promise<T> {
    const live = await this.attach(s, number);
    try {
      return await fn(live);
    } catch (e) {
      // A failed write poisons the Trial's queue: drop it; the next call re-attaches from the store.
      if (!(e instanceof InvalidParameter)) this.live.delete(keyOf(s, number));
      throw e;
    }
  }

  private async attach(s: LoadedStudy, number: number): Promise<LiveTrial> {
    const key = keyOf(s, number);
    const hit = this.live.get(key);
    if (hit) {
      this.live.delete(key); // most recently used goes last
      this.live.set(key, hit);
      return hit;
    }
    const stored = await this.storage.getTrial(s.record.id, number);
    if (stored.state !== 'RUNNING') throw new InvalidState(`Trial ${number} is ${stored.state}; only a RUNNING trial takes suggestions and reports.`);
    const others = (await s.study.getTrials()).filter((t) => t.number !== number);
    const trial = new Trial(s.study, stored, others, s.study.sampler.seed ?? s.study.seed);
    const runId = stored.systemAttrs[RUN_ID_ATTR];
    const live: LiveTrial = { trial, runId: typeof runId === 'string' ? runId : null, logged: new Set() };
    this.put(s, number, live);
    return live;
  }

  private put(s: LoadedStudy, number: number, live: LiveTrial): void {
    this.live.set(keyOf(s, number), live);
    if (this.live.size > MAX_LIVE) this.live.delete(this.live.keys().next().value!);
  }

  /**
   * A worker's patch on the live trial, then mirrored to its tracking run (params, reports). With
   * `flush: false` (a tell) nothing is written yet: tell's finishing write carries the patch (one
   * transaction) and the run's finishing write its params and the reports this resolves to.
   */
  private async applyPatch(s: LoadedStudy, live: LiveTrial, patch: WorkerPatch, opts: { flush?: boolean } = {}): Promise<[number, number][]> {
    const before = live.trial.toFrozen().intermediateValues;
    applyWorkerPatch(live.trial, s.record.directions.length, patch);
    const fresh: [number, number][] = [];
    const seen = new Set(before.keys());
    for (const [step, value] of patch.intermediateValues) {
      if (seen.has(step)) continue;
      seen.add(step);
      fresh.push([step, value]);
    }
    if (opts.flush === false) return fresh;
    await live.trial.flush();
    await this.logNewParams(live);
    if (live.runId && fresh.length) await this.runs!.logIntermediates(live.runId, fresh);
    return [];
  }

  private async logNewParams(live: LiveTrial): Promise<void> {
    if (!live.runId || !this.runs) return;
    const fresh = Object.entries(live.trial.params).filter(([k]) => !live.logged.has(k));
    if (!fresh.length) return;
    for (const [k] of fresh) live.logged.add(k);
    await this.runs.logParams(live.runId, Object.fromEntries(fresh));
  }

  private async mirrorFinish(s: LoadedStudy, frozen: FrozenTrial, liveRunId: string | null | undefined, reports: readonly [number, number][] = []): Promise<void> {
    if (!this.runs || !s.config.tracking) return;
    const attr = frozen.systemAttrs[RUN_ID_ATTR];
    const runId = liveRunId ?? (typeof attr === 'string' ? attr : null);
    if (!runId) return;
    await this.runs.finishTrial(runId, frozen, s.record.directions, reports);
    if (frozen.state === 'COMPLETE' && s.record.directions.length === 1) {
      const best = await s.study.bestTrial().catch(() => null);
      if (best?.number === frozen.number) await this.runs.logBest(s.config.tracking.parent_run_id, frozen.number, frozen.values![0]!);
    }
  }
}

function keyOf(s: LoadedStudy, number: number): string {
  return `${s.record.id}:${number}`;
}

/**
 * The engine's define-by-run rules, checked for a whole request before any value is drawn, so a
 * rejected request writes nothing: one name, one distribution per trial; one kind per study.
 */
function checkSuggestions(s: LoadedStudy, trial: Trial | null, items: readonly Suggestion[]): void {
  const mine = new Map<string, Distribution>(Object.entries(trial?.distributions ?? {}));
  for (const { name, distribution: d } of items) {
    const own = mine.get(name);
    if (own && !distributionsEqual(own, d)) {
      throw new InvalidParameter(`Parameter '${name}' was already suggested in this trial with ${JSON.stringify(own)}; it cannot be redefined as ${JSON.stringify(d)}.`);
    }
    const known = s.study.knownDistribution(name, s.study.latestTrials());
    if (known && !distributionsCompatible(known, d)) {
      throw new InvalidParameter(`Parameter '${name}' is ${JSON.stringify(d)} here but ${JSON.stringify(known)} in earlier trials of this study; use a new name for a different kind of parameter.`);
    }
    mine.set(name, d);
  }
}

function suggestOne(trial: Trial, name: string, d: Distribution): ParamValue {
  if (d.type === 'categorical') return trial.suggestCategorical(name, d.choices);
  if (d.type === 'int') return trial.suggestInt(name, d.low, d.high, d.log ? { log: true } : { step: d.step });
  return trial.suggestFloat(name, d.low, d.high, d.log ? { log: true } : d.step != null ? { step: d.step } : {});
}

/** Params an enqueued (or retried) trial must take. */
export function fixedParamsOf(trial: Trial | FrozenTrial): Record<string, ParamValue> {
  const fp = trial.systemAttrs[SystemAttr.fixedParams];
  return fp && typeof fp === 'object' && !Array.isArray(fp) ? (fp as Record<string, ParamValue>) : {};
}
