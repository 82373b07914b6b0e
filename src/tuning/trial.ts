/**
 * @module Trial: the define-by-run handle an objective receives, with the sampler in this process
 * (the rules a user meets are in define-by-run.ts, shared with the SDK's remote trial).
 *
 * Why suggest* is synchronous although storage is async: users write
 * `const lr = trial.suggestFloat(...)` exactly as in Optuna, with no `await`. So `ask()` takes
 * a snapshot of the study's trials (one storage read) and every sampler decision for this
 * trial is computed from that snapshot plus the trial's own params, synchronously. Writes
 * (params, reports, attrs) are merged into one pending patch and sent to storage on the next
 * microtask, one `updateTrial` at a time in order (held back while a server applies a worker's
 * last changes before its tell); `report()`'s callers and `tell()` await
 * them (`tell` sends the remainder in the same atomic step as the state change). A storage
 * error surfaces at the next `flush()`/`tell()`, never as an unhandled rejection.
 */
import { InvalidParameter } from '../core/errors.js';
import { DefineByRunTrial } from './define-by-run.js';
import { containsInternal, distributionsEqual, fromInternal, isSingle, toInternal, type Distribution, type ParamValue } from './distributions.js';
import { FrozenTrial, SystemAttr, type FrozenTrialData, type JsonValue, type StudyDirection } from './frozen-trial.js';
import type { Pruner } from './pruners/pruner.js';
import { Rng } from './prng.js';
import type { Sampler, SamplerContext, SearchSpace, StudyInfo } from './samplers/sampler.js';
import type { StudyStorage, TrialPatch } from './storage.js';

/** What a Trial needs from its Study (kept narrow so Trial does not import Study). */
export interface TrialHost {
  readonly info: StudyInfo;
  readonly studyId: string;
  readonly storage: StudyStorage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** The distribution other trials used for this name, if any (compatibility check). */
  knownDistribution(name: string, trials: readonly import('./frozen-trial.js').FrozenTrial[]): Distribution | undefined;
  /** Latest snapshot of the study's trials (refreshed at ask/tell and after reports). */
  latestTrials(): readonly FrozenTrial[];
  /** Ask for a fresher snapshot soon (for pruners); never awaited by user code. */
  refreshSoon(): void;
  stop(): void;
}

export class Trial extends DefineByRunTrial {
  private readonly host: TrialHost;
  private readonly fixed: Readonly<Record<string, ParamValue>> | null;
  private readonly ctx: SamplerContext;
  private relative: Record<string, number> = {};
  /** Values drawn by `propose` and not (yet) suggested: a later suggest of the same takes them. */
  private readonly proposed = new Map<string, { dist: Distribution; internal: number }>();
  private relativeSpace: SearchSpace = {};
  private pending: TrialPatch | null = null;
  private scheduled = false;
  /** While > 0, writes wait in `pending` (for `tell`, which sends them in its own transaction). */
  private holds = 0;
  private chain: Promise<void> = Promise.resolve();
  private writeError: unknown = null;

  /** @internal Created by `Study.ask()`. */
  constructor(host: TrialHost, asked: FrozenTrial, others: readonly FrozenTrial[], seed: number) {
    super(asked);
    this.host = host;
    const fp = asked.systemAttrs[SystemAttr.fixedParams];
    this.fixed = fp && typeof fp === 'object' && !Array.isArray(fp) ? (fp as Record<string, ParamValue>) : null;
    const self = this;
    this.ctx = {
      study: host.info,
      trials: others,
      trial: {
        number: this.number,
        get internalParams() {
          return self.internal;
        },
        get distributions() {
          return self.dists;
        },
        get systemAttrs() {
          return self.systemAttrsLocal;
        },
      },
      rng: Rng.derive(seed, 'trial', this.number),
      seed,
      cache: new Map(),
      setSystemAttr: (key, value) => this.setSystemAttr(key, value),
      stopStudy: () => host.stop(),
    };
  }

  /** @internal Runs the sampler's joint draw; called once by `Study.ask()`. */
  sampleRelative(): void {
    const sampler = this.host.sampler;
    this.relativeSpace = sampler.inferRelativeSearchSpace(this.ctx);
    // Called even for an empty space, as in Optuna: Grid and NSGA-II do their bookkeeping here.
    this.relative = sampler.sampleRelative(this.ctx, this.relativeSpace);
  }

  /** Params this trial was enqueued (or retried) with: `suggest*` returns these. */
  get fixedParams(): Readonly<Record<string, ParamValue>> {
    return this.fixed ?? {};
  }

  /** @internal Values the sampler gives this trial whatever their distribution (a grid point). */
  get samplerValues(): Readonly<Record<string, ParamValue>> {
    return this.host.sampler.valuesForTrial?.(this.ctx) ?? {};
  }

  /** @internal The space the sampler drew jointly at ask (its values are proposals too). */
  get relativeSearchSpace(): SearchSpace {
    return this.relativeSpace;
  }

  /**
   * @internal Draws a value for `name` without recording it: what a remote worker receives at ask
   * for each parameter it may suggest. Recorded only if the worker then uses it (`suggestGiven`),
   * so a branch the objective never takes leaves nothing in the trial. Drawn once per name.
   */
  propose(name: string, dist: Distribution): ParamValue {
    const own = this.dists[name];
    if (own !== undefined) return fromInternal(own, this.internal[name]!);
    return fromInternal(dist, this.drawInternal(name, dist));
  }

  /**
   * @internal The trial as it most likely is: its params plus the values proposed to its worker
   * and not sent back yet (what constant liar should assume of a remote trial in flight).
   */
  likely(): FrozenTrial {
    const frozen = this.toFrozen();
    if (this.proposed.size === 0) return frozen;
    const internal: Record<string, number> = {};
    const dists: Record<string, Distribution> = {};
    for (const [name, p] of this.proposed) {
      internal[name] = p.internal;
      dists[name] = p.dist;
    }
    return new FrozenTrial({ ...frozenData(frozen), internalParams: { ...internal, ...frozen.internalParams }, distributions: { ...dists, ...frozen.distributions } });
  }

  /**
   * @internal Records a value a remote worker chose (a proposal it took, or its own draw for a
   * parameter the study had not seen), under the same define-by-run rules as `suggest*`.
   */
  suggestGiven(name: string, dist: Distribution, value: ParamValue): ParamValue {
    return this.suggest(name, dist, () => this.givenInternal(name, dist, value));
  }

  /**
   * @internal Keeps changes made from now on in the pending patch instead of sending them, so a
   * following `tell` writes them in its one transaction; the release sends whatever `tell` did
   * not take (when it failed).
   */
  holdWrites(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0 && this.pending && !this.isFinished) this.schedule();
    };
  }

  /** Waits until every queued write has reached storage. */
  async flush(): Promise<void> {
    if (this.pending) this.schedule();
    await this.chain;
    if (this.writeError) throw this.writeError;
  }

  /** @internal */
  setSystemAttr(key: string, value: JsonValue): void {
    this.writeSystemAttr(key, value);
  }

  /** @internal Waits for in-flight writes and hands over what is still pending, for `tell`. */
  async drain(): Promise<TrialPatch | undefined> {
    await this.chain;
    if (this.writeError) throw this.writeError;
    const p = this.pending ?? undefined;
    this.pending = null;
    return p;
  }

  protected get directions(): readonly StudyDirection[] {
    return this.host.info.directions;
  }

  protected knownDistribution(name: string): Distribution | undefined {
    return this.host.knownDistribution(name, this.ctx.trials);
  }

  protected pruneDecision(): boolean {
    const others = this.host.latestTrials().filter((t) => t.number !== this.number);
    return this.host.pruner.prune({
      study: this.host.info,
      trials: others,
      trial: this.toFrozen(),
      setSystemAttr: (k, v) => this.setSystemAttr(k, v),
    });
  }

  protected onParam(name: string, dist: Distribution, internal: number): void {
    this.proposed.delete(name);
    (this.patch().params ??= {})[name] = { internal, distribution: dist };
    this.schedule();
  }

  protected onReport(step: number, value: number): void {
    const p = this.patch();
    ((p.intermediateValues ??= []) as [number, number][]).push([step, value]);
    this.schedule();
    this.host.refreshSoon();
  }

  protected onAttr(kind: 'user' | 'system', key: string, value: JsonValue): void {
    const p = this.patch();
    ((kind === 'user' ? (p.userAttrs ??= {}) : (p.systemAttrs ??= {})) as Record<string, JsonValue>)[key] = value;
    this.schedule();
  }

  /** A drawn value, memoised per name so a proposal and a later suggest of it agree. */
  protected drawInternal(name: string, dist: Distribution): number {
    const p = this.proposed.get(name);
    if (p && distributionsEqual(p.dist, dist)) return p.internal;
    const internal = this.drawFresh(name, dist);
    this.proposed.set(name, { dist, internal });
    return internal;
  }

  /** A worker's value: inside the distribution, or exactly the enqueued one. */
  private givenInternal(name: string, dist: Distribution, value: ParamValue): number {
    let internal: number;
    try {
      internal = toInternal(dist, value);
    } catch (e) {
      throw new InvalidParameter(`Parameter '${name}': ${(e as Error).message}`);
    }
    // An enqueued value, or the sampler's own (a grid point), may lie outside the distribution,
    // as when the engine draws it here.
    const fixed = this.fixed && name in this.fixed ? this.fixed[name] : this.samplerValues[name];
    if (fixed !== undefined && fixed === value) return internal;
    if (!containsInternal(dist, internal)) throw new InvalidParameter(`Parameter '${name}': ${JSON.stringify(value)} is outside ${JSON.stringify(dist)}.`);
    return internal;
  }

  private drawFresh(name: string, dist: Distribution): number {
    if (this.fixed && name in this.fixed) {
      try {
        // Out-of-range fixed numbers are kept, as in Optuna: the user asked for that value.
        return toInternal(dist, this.fixed[name]!);
      } catch (e) {
        throw new InvalidParameter(`Parameter '${name}': enqueued value is invalid: ${(e as Error).message}`);
      }
    }
    const rel = this.relative[name];
    if (rel !== undefined && this.relativeSpace[name] && distributionsEqual(this.relativeSpace[name]!, dist)) return rel;
    if (isSingle(dist)) return dist.type === 'categorical' ? 0 : dist.low;
    return this.host.sampler.sampleIndependent(this.ctx, name, dist);
  }

  /** The pending patch; mutated in place until the scheduled flush takes it. */
  private patch(): TrialPatch {
    return (this.pending ??= {});
  }

  private schedule(): void {
    if (this.scheduled || this.holds > 0) return;
    this.scheduled = true;
    this.chain = this.chain
      .then(async () => {
        this.scheduled = false;
        const p = this.pending;
        this.pending = null;
        if (p && !this.writeError && !this.isFinished) await this.host.storage.updateTrial(this.host.studyId, this.number, p);
      })
      .catch((e: unknown) => {
        this.writeError ??= e;
      });
  }
}

function frozenData(t: FrozenTrial): FrozenTrialData {
  return {
    number: t.number,
    state: t.state,
    values: t.values,
    internalParams: t.internalParams,
    distributions: t.distributions,
    intermediateValues: t.intermediateValues,
    userAttrs: t.userAttrs,
    systemAttrs: t.systemAttrs,
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
  };
}
