/**
 * @module The parameters a study's trials have used, each with its most recent distributions (a
 * dynamic range, `suggestInt('units', 1, depth)`, has several): what `ask` proposes to a remote
 * worker. Kept incrementally per study, because a finished trial's
 * params never change: each ask folds in only new and still-running trials (a scan of every
 * trial's params was ~10% of a server's CPU per trial at 2,000 trials).
 */
import { distributionsEqual, type Distribution } from '../distributions.js';
import { isFinished, type FrozenTrial } from '../frozen-trial.js';

/** Distinct distributions kept per name, most recent first: a dynamic range's usual few. */
const MAX_RANGES = 4;

export class KnownSpace {
  private readonly byName = new Map<string, { distribution: Distribution; number: number }[]>();
  /** Finished trials already folded in. */
  private readonly folded = new Set<number>();

  /**
   * Folds in what changed and answers name -> its distributions, most recent first; names sorted
   * (a stable draw order).
   */
  update(trials: readonly FrozenTrial[]): Map<string, Distribution[]> {
    for (let i = trials.length - 1; i >= 0; i--) {
      const t = trials[i]!;
      if (this.folded.has(t.number)) continue;
      for (const name in t.distributions) this.note(name, t.distributions[name]!, t.number);
      if (isFinished(t.state)) this.folded.add(t.number);
    }
    return new Map([...this.byName.keys()].sort().map((n) => [n, this.byName.get(n)!.map((e) => e.distribution)]));
  }

  private note(name: string, distribution: Distribution, number: number): void {
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    const same = list.find((e) => distributionsEqual(e.distribution, distribution));
    if (same) same.number = Math.max(same.number, number);
    else list.push({ distribution, number });
    list.sort((a, b) => b.number - a.number);
    if (list.length > MAX_RANGES) list.length = MAX_RANGES;
  }
}
