/**
 * @module The (mu/mu_w, lambda) CMA-ES optimizer with Hansen's 2016 default parameters and
 * active (negative) weights (reference section 3.2), minimising in the box [0, 1]^d.
 *
 * `ask` draws from the caller's random stream and changes no state, so a population can be
 * sampled by independent trials; `tell` is deterministic given the solutions, which lets the
 * sampler rebuild the whole optimizer by replaying finished trials (no pickled state in
 * storage, unlike Optuna).
 */
import { symmetricEigen } from '../linalg.js';
import type { Rng } from '../prng.js';

export interface CmaSolution {
  readonly x: ArrayLike<number>;
  readonly value: number;
}

export class CmaEs {
  readonly dim: number;
  readonly popsize: number;
  generation = 0;
  private mean: Float64Array;
  private sigma: number;
  private readonly c: Float64Array;
  private b: Float64Array;
  private dDiag: Float64Array;
  private readonly pSigma: Float64Array;
  private readonly pc: Float64Array;
  private readonly weights: Float64Array;
  private readonly mu: number;
  private readonly muEff: number;
  private readonly cSigma: number;
  private readonly dSigma: number;
  private readonly cc: number;
  private readonly c1: number;
  private readonly cMu: number;
  private readonly chiN: number;
  /** Best value per generation, for the flat-fitness stop rule. */
  private readonly history: number[] = [];
  private lastSpread = Infinity;

  constructor(mean: ArrayLike<number>, sigma: number, popsize?: number) {
    const n = mean.length;
    this.dim = n;
    this.mean = Float64Array.from(mean);
    this.sigma = sigma;
    this.popsize = popsize ?? 4 + Math.floor(3 * Math.log(n));
    const lambda = this.popsize;
    this.mu = Math.floor(lambda / 2);
    const wPrime = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
    const pos = wPrime.slice(0, this.mu);
    const neg = wPrime.slice(this.mu);
    const sumPos = pos.reduce((a, b) => a + b, 0);
    const sumNeg = neg.reduce((a, b) => a + Math.abs(b), 0);
    this.muEff = sumPos ** 2 / pos.reduce((a, b) => a + b * b, 0);
    const muEffMinus = sumNeg > 0 ? sumNeg ** 2 / neg.reduce((a, b) => a + b * b, 0) : 0;
    this.c1 = 2 / ((n + 1.3) ** 2 + this.muEff);
    this.cMu = Math.min(1 - this.c1, (2 * (this.muEff - 2 + 1 / this.muEff)) / ((n + 2) ** 2 + this.muEff));
    const alphaMuMinus = 1 + this.c1 / this.cMu;
    const alphaMuEffMinus = 1 + (2 * muEffMinus) / (this.muEff + 2);
    const alphaPosDefMinus = (1 - this.c1 - this.cMu) / (n * this.cMu);
    const negScale = Math.min(alphaMuMinus, alphaMuEffMinus, alphaPosDefMinus);
    this.weights = Float64Array.from(wPrime, (w) => (w >= 0 ? w / sumPos : sumNeg > 0 ? (negScale * w) / sumNeg : 0));
    this.cSigma = (this.muEff + 2) / (n + this.muEff + 5);
    this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((this.muEff - 1) / (n + 1)) - 1) + this.cSigma;
    this.cc = (4 + this.muEff / n) / (n + 4 + (2 * this.muEff) / n);
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.c = new Float64Array(n * n);
    this.b = new Float64Array(n * n);
    this.dDiag = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      this.c[i * n + i] = 1;
      this.b[i * n + i] = 1;
    }
    this.pSigma = new Float64Array(n);
    this.pc = new Float64Array(n);
  }

  /** One candidate in [0, 1]^d: redrawn up to 10 d times when outside the box, then clipped. */
  ask(rng: Rng): Float64Array {
    const n = this.dim;
    let x: Float64Array = new Float64Array(n);
    for (let attempt = 0; attempt < 10 * n; attempt++) {
      x = this.draw(rng);
      if (x.every((v) => v >= 0 && v <= 1)) return x;
    }
    return x.map((v) => Math.min(1, Math.max(0, v)));
  }

  /** Updates mean, step size and covariance from one generation (any order; sorted here). */
  tell(solutions: readonly CmaSolution[]): void {
    const n = this.dim;
    const sorted = [...solutions].sort((a, b) => a.value - b.value);
    this.generation++;
    const ys = sorted.map((s) => Float64Array.from(s.x, (v, i) => (v - this.mean[i]!) / this.sigma));
    const yw = new Float64Array(n);
    for (let i = 0; i < this.mu; i++) for (let k = 0; k < n; k++) yw[k]! += this.weights[i]! * ys[i]![k]!;
    for (let k = 0; k < n; k++) this.mean[k]! += this.sigma * yw[k]!;

    const cInvSqrtYw = this.cInvSqrt(yw);
    const csn = Math.sqrt(this.cSigma * (2 - this.cSigma) * this.muEff);
    for (let k = 0; k < n; k++) this.pSigma[k] = (1 - this.cSigma) * this.pSigma[k]! + csn * cInvSqrtYw[k]!;
    const normPs = Math.hypot(...this.pSigma);
    this.sigma *= Math.exp(Math.min(1, (this.cSigma / this.dSigma) * (normPs / this.chiN - 1)));
    const hSigma = normPs / Math.sqrt(1 - (1 - this.cSigma) ** (2 * (this.generation + 1))) < (1.4 + 2 / (n + 1)) * this.chiN ? 1 : 0;
    const ccn = Math.sqrt(this.cc * (2 - this.cc) * this.muEff);
    for (let k = 0; k < n; k++) this.pc[k] = (1 - this.cc) * this.pc[k]! + hSigma * ccn * yw[k]!;

    const wSum = this.weights.reduce((a, b) => a + b, 0);
    const deltaH = (1 - hSigma) * this.cc * (2 - this.cc);
    const decay = 1 + this.c1 * deltaH - this.c1 - this.cMu * wSum;
    const wo = sorted.map((_, i) => {
      const w = this.weights[i]!;
      if (w >= 0) return w;
      const z = this.cInvSqrt(ys[i]!);
      const nz = z.reduce((a, b) => a + b * b, 0);
      return nz > 0 ? (w * n) / nz : 0;
    });
    for (let r = 0; r < n; r++) {
      for (let c = 0; c <= r; c++) {
        let rankMu = 0;
        for (let i = 0; i < sorted.length; i++) rankMu += wo[i]! * ys[i]![r]! * ys[i]![c]!;
        const v = decay * this.c[r * n + c]! + this.c1 * this.pc[r]! * this.pc[c]! + this.cMu * rankMu;
        this.c[r * n + c] = v;
        this.c[c * n + r] = v;
      }
    }
    this.decompose();
    this.history.push(sorted[0]!.value);
    this.lastSpread = sorted[sorted.length - 1]!.value - sorted[0]!.value;
  }

  /**
   * Stop rules (a subset of Hansen's): the step is below 1e-12 of the box in every direction,
   * the covariance condition number exceeds 1e14, or the objective is flat: the last
   * generation's values and the best of the last 10 + 30 d / lambda generations span < 1e-12.
   */
  shouldStop(): boolean {
    const n = this.dim;
    let maxStd = 0;
    for (let i = 0; i < n; i++) maxStd = Math.max(maxStd, this.sigma * Math.sqrt(this.c[i * n + i]!), this.sigma * Math.abs(this.pc[i]!));
    if (maxStd < 1e-12) return true;
    const dMax = Math.max(...this.dDiag);
    const dMin = Math.min(...this.dDiag);
    if ((dMax / dMin) ** 2 > 1e14) return true;
    const window = 10 + Math.ceil((30 * n) / this.popsize);
    if (this.history.length >= window) {
      const recent = this.history.slice(-window);
      const span = Math.max(...recent) - Math.min(...recent);
      if (Math.max(span, this.lastSpread) < 1e-12) return true;
    }
    return false;
  }

  get stepSize(): number {
    return this.sigma;
  }

  get center(): Float64Array {
    return Float64Array.from(this.mean);
  }

  private draw(rng: Rng): Float64Array {
    const n = this.dim;
    const z = Float64Array.from({ length: n }, () => rng.normal());
    const x = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let y = 0;
      for (let k = 0; k < n; k++) y += this.b[r * n + k]! * this.dDiag[k]! * z[k]!;
      x[r] = this.mean[r]! + this.sigma * y;
    }
    return x;
  }

  /** C^(-1/2) v = B D^-1 B^T v. */
  private cInvSqrt(v: ArrayLike<number>): Float64Array {
    const n = this.dim;
    const t = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += this.b[r * n + k]! * v[r]!;
      t[k] = s / this.dDiag[k]!;
    }
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += this.b[r * n + k]! * t[k]!;
      out[r] = s;
    }
    return out;
  }

  private decompose(): void {
    const { values, vectors } = symmetricEigen(this.c, this.dim);
    this.b = vectors;
    // Eigenvalues below 1e-20 would make C^(-1/2) blow up; clamp (the condition rule stops first).
    this.dDiag = values.map((v) => Math.sqrt(Math.max(v, 1e-20)));
  }
}
