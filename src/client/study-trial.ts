/**
 * @module A trial as the SDK sees it, synchronous as in Optuna and as the engine's own Trial:
 * `trial.suggestFloat(...)`, `trial.report(v, step)` and `trial.shouldPrune()` answer at once,
 * against a server too.
 *
 * How, with the sampler and the pruner on the server: `ask` brings back a value for every
 * parameter the study has seen, drawn there by the study's sampler with the whole study in view
 * (the proposals), and the pruner's rule condensed to JSON (the prune view). `suggest*` takes the
 * proposal when the name and distribution match (the server also draws for a dynamic
 * parameter's last few ranges); a name or range the study has not used is drawn here, uniformly,
 * as samplers do for a parameter with no history.
 * `shouldPrune()` applies the pruner's rule to the view and this trial's reports (the same
 * function the server uses). What the trial did is sent in the background (within 100 ms), one
 * request at a time, each answering a fresher view, and the rest rides on `tell`: a trial that
 * ends sooner costs two requests, ask and tell. `await trial.flush()` sends now.
 *
 * `await trial.suggestFloat(...)` still works (awaiting a value is the value), so objectives
 * written for the earlier async SDK run unchanged.
 */
import type { HttpMethod } from '../core/route.js';
import { DefineByRunTrial } from '../tuning/define-by-run.js';
import { distributionsEqual, fromInternal, toInternal } from '../tuning/distributions.js';
import {
  AppError,
  decidePrune,
  FrozenTrial,
  InvalidParameter,
  reviveView,
  type Distribution,
  type JsonValue,
  type ParamValue,
  type PruneView,
  type StudyDirection,
  type TrialState,
} from '../tuning/index.js';
import { Rng } from '../tuning/prng.js';
import { sampleUniformInternal } from '../tuning/transform.js';

/**
 * How long a trial's changes may wait before they are sent on their own. Short against a real
 * epoch (reports refresh the pruner's view), long against a quick objective (which then costs
 * two requests). Measured: with a 20 ms objective on PostgreSQL, sending at once made the
 * background update a third request per trial and doubled the ask+tell p50 of 8 workers.
 */
const SEND_DELAY_MS = 100;

/** How a trial reaches its study: `call(method, pathBelowTheTrial, fields)`. */
export type TrialCall = <T>(method: HttpMethod, path: string, fields?: Record<string, unknown>) => Promise<T>;

export type { NumericOptions } from '../tuning/distributions.js';

/** JSON doubles ("NaN", "Infinity") back to numbers. */
export function toDouble(v: unknown): number {
  return typeof v === 'number' ? v : Number(v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v);
}

/** A trial from the API's JSON, as the engine's FrozenTrial (same getters: value, params, ...). */
export function frozenFromJson(t: any): FrozenTrial {
  const internal: Record<string, number> = {};
  for (const [name, d] of Object.entries(t.distributions as Record<string, Distribution>)) {
    const v = t.params[name] as ParamValue;
    internal[name] = d.type === 'categorical' ? d.choices.indexOf(v) : (v as number);
  }
  return new FrozenTrial({
    number: t.number,
    state: t.state as TrialState,
    values: t.values ? (t.values as unknown[]).map(toDouble) : null,
    internalParams: internal,
    distributions: t.distributions,
    intermediateValues: new Map((t.intermediate_values ?? []).map((iv: { step: number; value: unknown }) => [iv.step, toDouble(iv.value)])),
    userAttrs: t.user_attrs ?? {},
    systemAttrs: t.system_attrs ?? {},
    datetimeStart: t.datetime_start ?? null,
    datetimeComplete: t.datetime_complete ?? null,
  });
}

/** What `POST .../ask` answers (with `propose`). */
export interface AskedJson {
  trial: { number: number; params: Record<string, ParamValue>; distributions: Record<string, Distribution>; fixed_params?: Record<string, ParamValue>; user_attrs?: Record<string, JsonValue>; datetime_start?: number | null };
  proposals?: Record<string, { distribution: Distribution | null; value: ParamValue; others?: { distribution: Distribution; value: ParamValue }[] }>;
  study_stopped?: boolean;
  prune_view?: JsonValue;
  prune_view_etag?: string;
}

/** What a trial has done and not yet sent; the request fields of `update` and `tell`. */
interface Pending {
  params: Record<string, { distribution: Distribution; value: ParamValue }>;
  intermediate: Map<number, number>;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
}

/** The study facts a trial decides with. */
export interface TrialStudy {
  name: string;
  directions: readonly StudyDirection[];
  seed: number;
}

export class Trial extends DefineByRunTrial {
  /** Params an enqueued (or retried) trial was told to take. */
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  private readonly proposals: NonNullable<AskedJson['proposals']>;
  private view: PruneView = { kind: 'nop' };
  private viewEtag: string | undefined;
  private rng: Rng | null = null;
  private pending: Pending | null = null;
  private soon: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** The server finished this trial behind our back (missed heartbeats): stop it early. */
  private gone = false;
  private lastError: unknown = null;

  /** @internal Made by `Study.ask()`. */
  constructor(
    private readonly call: TrialCall,
    asked: AskedJson,
    private readonly study: TrialStudy,
  ) {
    const t = asked.trial;
    const internalParams: Record<string, number> = {};
    for (const [name, d] of Object.entries(t.distributions)) internalParams[name] = toInternal(d, t.params[name]!);
    super({ number: t.number, datetimeStart: t.datetime_start ?? null, internalParams, distributions: t.distributions, intermediateValues: new Map(), userAttrs: t.user_attrs ?? {}, systemAttrs: {} });
    this.fixedParams = t.fixed_params ?? {};
    this.proposals = asked.proposals ?? {};
    this.takeView(asked);
  }

  /** Waits until everything the trial did so far is on the server. */
  async flush(): Promise<void> {
    this.cancelSoon();
    if (this.pending) this.enqueueSend();
    await this.chain;
    if (this.pending) throw this.lastError ?? new Error(`Trial ${this.number}: could not send its updates.`);
  }

  /** @internal For `tell`: waits for the send in flight and hands over the rest as request fields. */
  async drain(): Promise<Record<string, unknown>> {
    this.cancelSoon();
    await this.chain;
    const p = this.pending;
    this.pending = null;
    return p ? pendingFields(p) : {};
  }

  /** @internal The server says this trial is no longer RUNNING. */
  markGone(): void {
    this.gone = true;
  }

  protected get directions(): readonly StudyDirection[] {
    return this.study.directions;
  }

  /** The server proposes the distribution the study's trials used (one kind per name). */
  protected knownDistribution(name: string): Distribution | undefined {
    return this.proposals[name]?.distribution ?? undefined;
  }

  /**
   * The pruner's rules applied to this trial's reports and the other trials as of the latest view
   * from the server (refreshed with every background send). Also "stop" once the server has
   * failed the trial for missed heartbeats (its params are queued again), so a worker does not
   * train on for nothing.
   */
  protected pruneDecision(): boolean {
    if (this.gone) return true;
    return decidePrune(this.view, {
      study: { name: this.study.name, directions: this.study.directions },
      trial: this.toFrozen(),
      setSystemAttr: (k, v) => this.writeSystemAttr(k, v),
    });
  }

  /**
   * An enqueued value or the sampler's grid point; else the server's value for this distribution;
   * else (a name or range the study has not used) a uniform draw here, as a sampler does with no
   * history.
   */
  protected drawInternal(name: string, d: Distribution): number {
    const proposal = this.proposals[name];
    const fixed = name in this.fixedParams ? this.fixedParams[name] : proposal && !proposal.distribution ? proposal.value : undefined;
    if (fixed !== undefined) {
      try {
        return toInternal(d, fixed);
      } catch (e) {
        throw new InvalidParameter(`Parameter '${name}': ${name in this.fixedParams ? 'enqueued' : "the sampler's"} value is invalid: ${(e as Error).message}`);
      }
    }
    if (proposal?.distribution && distributionsEqual(proposal.distribution, d)) return toInternal(d, proposal.value);
    // A range the study used before (a dynamic space): the server drew for it too.
    const other = proposal?.others?.find((o) => distributionsEqual(o.distribution, d));
    if (other) return toInternal(d, other.value);
    this.rng ??= Rng.derive(this.study.seed, 'worker', this.number);
    return sampleUniformInternal(d, this.rng);
  }

  protected onParam(name: string, dist: Distribution, internal: number): void {
    this.patch().params[name] = { distribution: dist, value: fromInternal(dist, internal) };
    this.schedule();
  }

  protected onReport(step: number, value: number): void {
    this.patch().intermediate.set(step, value);
    this.schedule();
  }

  protected onAttr(kind: 'user' | 'system', key: string, value: JsonValue): void {
    (kind === 'user' ? this.patch().userAttrs : this.patch().systemAttrs)[key] = value;
    this.schedule();
  }

  private patch(): Pending {
    return (this.pending ??= { params: {}, intermediate: new Map(), userAttrs: {}, systemAttrs: {} });
  }

  /**
   * Sends the pending changes within SEND_DELAY_MS, so a trial that ends sooner sends everything
   * with its `tell` (two requests per trial, not three), while a long one still shows its params
   * and reports on the server (and its tracking run) almost at once. One send at a time, in
   * order, each taking everything pending by then; a failed send puts its changes back for the
   * next send or the tell, so nothing is lost.
   */
  private schedule(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.enqueueSend();
    }, SEND_DELAY_MS);
    // A trial nobody tells must not keep the process alive; a told one sends its rest with tell.
    this.soon.unref?.();
  }

  private enqueueSend(): void {
    this.chain = this.chain.then(async () => {
      const p = this.pending;
      if (!p || this.isFinished || this.gone) return;
      this.pending = null;
      try {
        const res = await this.call<{ prune_view?: JsonValue; prune_view_etag?: string }>('POST', '/update', { ...pendingFields(p), view_etag: this.viewEtag });
        this.takeView(res);
        this.lastError = null;
      } catch (e) {
        this.lastError = e;
        if (e instanceof AppError && e.code === 'INVALID_STATE') this.gone = true;
        this.pending = this.pending ? merge(p, this.pending) : p;
      }
    });
  }

  private cancelSoon(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
  }

  private takeView(res: { prune_view?: JsonValue; prune_view_etag?: string }): void {
    if (res.prune_view !== undefined) this.view = reviveView(res.prune_view);
    if (res.prune_view_etag !== undefined) this.viewEtag = res.prune_view_etag;
  }
}

function pendingFields(p: Pending): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(p.params).length) out.params = p.params;
  if (p.intermediate.size) out.intermediate_values = [...p.intermediate].map(([step, value]) => ({ step, value: jsonNumber(value) }));
  if (Object.keys(p.userAttrs).length) out.user_attrs = p.userAttrs;
  if (Object.keys(p.systemAttrs).length) out.system_attrs = p.systemAttrs;
  return out;
}

/** An unsent patch followed by a newer one: the newer wins per key, reports keep their first value. */
function merge(older: Pending, newer: Pending): Pending {
  const intermediate = new Map(older.intermediate);
  for (const [s, v] of newer.intermediate) if (!intermediate.has(s)) intermediate.set(s, v);
  return {
    params: { ...older.params, ...newer.params },
    intermediate,
    userAttrs: { ...older.userAttrs, ...newer.userAttrs },
    systemAttrs: { ...older.systemAttrs, ...newer.systemAttrs },
  };
}

/** A double for JSON: NaN and infinities as the API's strings. */
export function jsonNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
