/**
 * @module A trial as the SDK sees it: the server (or the embedded store's service) draws every
 * value, so `suggest*` and `report` are async. `await trial.suggestFloat(...)` also works on the
 * engine's own synchronous Trial, so one objective runs in both.
 */
import type { HttpMethod } from '../core/route.js';
import {
  categoricalDistribution,
  floatDistribution,
  FrozenTrial,
  intDistribution,
  type CategoricalChoice,
  type Distribution,
  type JsonValue,
  type ParamValue,
  type TrialState,
} from '../tuning/index.js';

/** How a trial reaches its study: `call(method, pathBelowTheTrial, fields)`. */
export type TrialCall = <T>(method: HttpMethod, path: string, fields?: Record<string, unknown>) => Promise<T>;

export interface NumericOptions {
  log?: boolean;
  step?: number;
}

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

export class Trial {
  readonly number: number;
  /** Params an enqueued (or retried) trial was told to take. */
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  private readonly drawn: Record<string, ParamValue>;
  private readonly dists: Record<string, Distribution>;
  private prune = false;
  private finished = false;

  /** @internal Made by `Study.ask()`. */
  constructor(
    private readonly call: TrialCall,
    asked: { number: number; params: Record<string, ParamValue>; distributions: Record<string, Distribution>; fixed_params?: Record<string, ParamValue> },
  ) {
    this.number = asked.number;
    this.drawn = { ...asked.params };
    this.dists = { ...asked.distributions };
    this.fixedParams = asked.fixed_params ?? {};
  }

  /** Params drawn so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return { ...this.drawn };
  }

  /**
   * A float in [low, high]; `log` samples log-uniformly, `step` on a grid (not both). One round
   * trip, unless the value was drawn at ask (a search space passed to `ask`) or suggested before.
   *
   * @example
   * const lr = await trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   */
  async suggestFloat(name: string, low: number, high: number, opts: NumericOptions = {}): Promise<number> {
    return (await this.suggest(name, floatDistribution(name, low, high, opts))) as number;
  }

  /** An integer in [low, high], both inclusive. */
  async suggestInt(name: string, low: number, high: number, opts: NumericOptions = {}): Promise<number> {
    return (await this.suggest(name, intDistribution(name, low, high, opts))) as number;
  }

  /** One of `choices` (null, booleans, numbers, strings). */
  async suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): Promise<T> {
    return (await this.suggest(name, categoricalDistribution(name, choices))) as T;
  }

  /**
   * Records an intermediate value at `step` and resolves whether the study's pruner says stop
   * (also what `shouldPrune()` answers afterwards).
   *
   * @example
   * await trial.report(loss, epoch);
   * if (trial.shouldPrune()) throw new TrialPruned();
   */
  async report(value: number, step: number): Promise<boolean> {
    const res = await this.call<{ should_prune: boolean }>('POST', '/report', { value: jsonNumber(value), step });
    this.prune = res.should_prune;
    return this.prune;
  }

  /** The pruner's answer to the last `report` (false before any). */
  shouldPrune(): boolean {
    return this.prune;
  }

  /** @internal */
  markFinished(): void {
    this.finished = true;
  }

  /** @internal */
  get isFinished(): boolean {
    return this.finished;
  }

  private async suggest(name: string, d: Distribution): Promise<ParamValue> {
    const known = this.dists[name];
    // Drawn before with the same distribution: the server would answer the same, so skip the trip.
    if (known && JSON.stringify(known) === JSON.stringify(d) && name in this.drawn) return this.drawn[name]!;
    const { value } = await this.call<{ value: ParamValue }>('POST', '/suggest', { name, distribution: d as unknown as JsonValue });
    this.drawn[name] = value;
    this.dists[name] = d;
    return value;
  }
}

/** A double for JSON: NaN and infinities as the API's strings. */
export function jsonNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
