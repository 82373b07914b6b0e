/**
 * @module CmaEsSampler: CMA-ES over the numeric intersection space, with IPOP restarts
 * (popsize doubles at each restart). Categorical and conditional params fall back to an
 * independent sampler (random by default), as in Optuna. Single-objective only.
 *
 * Stateless across processes: each trial records (space signature, restart, generation) in
 * its system attributes; the optimizer is rebuilt by replaying finished generations in trial
 * order (CmaEs.tell is deterministic) and cached in memory so each ask only tells what is new.
 * Trials beyond popsize in a generation (parallel workers) are not told, as in Optuna.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { Distribution, NumericDistribution } from '../distributions.js';
import type { FrozenTrial, JsonValue } from '../frozen-trial.js';
import { Rng } from '../prng.js';
import { intersectionSearchSpace } from '../search-space.js';
import { fromUnit, toUnit } from '../transform.js';
import { toLoss } from '../trial-order.js';
import { CmaEs } from './cmaes.js';
import { RandomSampler } from './random-sampler.js';
import type { Sampler, SamplerContext, SearchSpace, StudyInfo } from './sampler.js';

const KEY = { sig: 'cma:sig', restart: 'cma:restart', gen: 'cma:gen', x0: 'cma:x0', sigma0: 'cma:sigma0' } as const;

export interface CmaEsSamplerOptions {
  seed?: number;
  /** Finished trials before CMA-ES starts (default 1, as Optuna). */
  nStartupTrials?: number;
  /** Initial step in the [0,1]-normalised space (default 1/6: the box is ~6 sigma wide). */
  sigma0?: number;
  /** Population; default 4 + floor(3 ln d). */
  popsize?: number;
  /** 'ipop' restarts with a doubled population when the search stalls (default); 'none' never. */
  restartStrategy?: 'ipop' | 'none';
  /**
   * Initial mean: 'center' of the box (default), or 'best' finished trial so far, with sigma0
   * set from the spread of the best 25% (warm start after another sampler's trials).
   */
  initialMean?: 'center' | 'best';
  /** PRUNED trials count with their last intermediate value (default false). */
  considerPrunedTrials?: boolean;
  /** Sampler for params outside the numeric intersection space (default RandomSampler). */
  independentSampler?: Sampler;
}

interface State {
  readonly sig: string;
  opt: CmaEs;
  restart: number;
}

export class CmaEsSampler implements Sampler {
  readonly seed?: number;
  private readonly nStartup: number;
  private readonly sigma0: number;
  private readonly popsize: number | undefined;
  private readonly restart: 'ipop' | 'none';
  private readonly initialMean: 'center' | 'best';
  private readonly considerPruned: boolean;
  private readonly independent: Sampler;
  private readonly states = new WeakMap<StudyInfo, Map<string, State>>();

  /**
   * @example
   * const study = await createStudy({ sampler: new CmaEsSampler({ seed: 1 }) });
   */
  constructor(opts: CmaEsSamplerOptions = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
    this.nStartup = opts.nStartupTrials ?? 1;
    this.sigma0 = opts.sigma0 ?? 1 / 6;
    this.popsize = opts.popsize;
    this.restart = opts.restartStrategy ?? 'ipop';
    this.initialMean = opts.initialMean ?? 'center';
    this.considerPruned = opts.considerPrunedTrials ?? false;
    this.independent = opts.independentSampler ?? new RandomSampler();
  }

  inferRelativeSearchSpace(ctx: SamplerContext): SearchSpace {
    if (ctx.study.directions.length > 1) throw new InvalidParameter('CmaEsSampler supports single-objective studies only; use NSGAIISampler or TPESampler.');
    const space = intersectionSearchSpace(ctx.trials, this.considerPruned);
    const numeric: Record<string, Distribution> = {};
    for (const [n, d] of Object.entries(space)) if (d.type !== 'categorical') numeric[n] = d;
    // CMA-ES needs d >= 2; a single numeric param goes to the independent sampler (Optuna too).
    return Object.keys(numeric).length >= 2 ? numeric : {};
  }

  sampleRelative(ctx: SamplerContext, space: SearchSpace): Record<string, number> {
    const names = Object.keys(space);
    const dists = names.map((n) => space[n] as NumericDistribution);
    if (names.length === 0 || this.usable(ctx).length < this.nStartup) return {};
    const sig = signature(space);
    const st = this.state(ctx, sig, names, dists);
    const x = st.opt.ask(ctx.rng);
    ctx.setSystemAttr(KEY.sig, sig);
    ctx.setSystemAttr(KEY.restart, st.restart);
    ctx.setSystemAttr(KEY.gen, st.opt.generation);
    const out: Record<string, number> = {};
    names.forEach((n, i) => (out[n] = fromUnit(dists[i]!, x[i]!)));
    return out;
  }

  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number {
    return this.independent.sampleIndependent(ctx, name, distribution);
  }

  private usable(ctx: SamplerContext): FrozenTrial[] {
    return ctx.trials.filter((t) => t.state === 'COMPLETE' || (this.considerPruned && t.state === 'PRUNED' && t.lastStep !== null));
  }

  private lossOf(t: FrozenTrial, ctx: SamplerContext): number {
    const v = t.state === 'COMPLETE' ? t.values![0]! : t.lastIntermediateValue!;
    return toLoss(v, ctx.study.directions[0]!);
  }

  /** The optimizer for this space, brought up to date with every finished generation. */
  private state(ctx: SamplerContext, sig: string, names: readonly string[], dists: readonly NumericDistribution[]): State {
    let perStudy = this.states.get(ctx.study);
    if (!perStudy) this.states.set(ctx.study, (perStudy = new Map()));
    const mine = ctx.trials.filter((t) => t.systemAttrs[KEY.sig] === sig);
    let st = perStudy.get(sig);
    if (!st) {
      const first = mine[0];
      let x0: number[];
      let sigma0 = this.sigma0;
      if (first && Array.isArray(first.systemAttrs[KEY.x0])) {
        x0 = first.systemAttrs[KEY.x0] as number[];
        sigma0 = first.systemAttrs[KEY.sigma0] as number;
      } else {
        ({ x0, sigma0 } = this.initial(ctx, names, dists));
        ctx.setSystemAttr(KEY.x0, x0 as JsonValue);
        ctx.setSystemAttr(KEY.sigma0, sigma0);
      }
      st = { sig, opt: new CmaEs(x0, sigma0, this.popsize), restart: 0 };
      perStudy.set(sig, st);
    }
    const byGen = new Map<string, FrozenTrial[]>();
    for (const t of mine) {
      if (!(t.state === 'COMPLETE' || (this.considerPruned && t.state === 'PRUNED' && t.lastStep !== null))) continue;
      const key = `${String(t.systemAttrs[KEY.restart])}:${String(t.systemAttrs[KEY.gen])}`;
      const list = byGen.get(key);
      if (list) list.push(t);
      else byGen.set(key, [t]);
    }
    for (;;) {
      const gen = byGen.get(`${st.restart}:${st.opt.generation}`) ?? [];
      if (gen.length < st.opt.popsize) break;
      st.opt.tell(gen.slice(0, st.opt.popsize).map((t) => ({ x: names.map((n, i) => toUnit(dists[i]!, t.internalParams[n]!)), value: this.lossOf(t, ctx) })));
      if (this.restart === 'ipop' && st.opt.shouldStop()) {
        st.restart++;
        const rng = Rng.derive(ctx.seed, 'cma-restart', st.restart);
        const mean = names.map(() => rng.random());
        st.opt = new CmaEs(mean, this.sigma0, st.opt.popsize * 2);
      }
    }
    return st;
  }

  private initial(ctx: SamplerContext, names: readonly string[], dists: readonly NumericDistribution[]): { x0: number[]; sigma0: number } {
    const center = { x0: names.map(() => 0.5), sigma0: this.sigma0 };
    if (this.initialMean === 'center') return center;
    const done = this.usable(ctx).filter((t) => names.every((n) => t.internalParams[n] !== undefined));
    if (done.length === 0) return center;
    done.sort((a, b) => this.lossOf(a, ctx) - this.lossOf(b, ctx) || a.number - b.number);
    const unit = (t: FrozenTrial) => names.map((n, i) => toUnit(dists[i]!, t.internalParams[n]!));
    const x0 = unit(done[0]!);
    const top = done.slice(0, Math.max(2, Math.ceil(done.length / 4))).map(unit);
    // Mean per-dimension std of the top quarter: how far the good region spreads.
    let spread = 0;
    for (let i = 0; i < names.length; i++) {
      const m = top.reduce((s, p) => s + p[i]!, 0) / top.length;
      spread += Math.sqrt(top.reduce((s, p) => s + (p[i]! - m) ** 2, 0) / top.length);
    }
    spread /= names.length;
    return { x0, sigma0: Math.min(this.sigma0, Math.max(0.02, spread)) };
  }
}

/** A short stable id of the search space, stored on each trial. */
function signature(space: SearchSpace): string {
  const text = JSON.stringify(Object.entries(space));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
