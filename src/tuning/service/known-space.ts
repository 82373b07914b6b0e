/**
 * @module The parameters a study's trials have used, each with its most recent distribution: what
 * `ask` proposes to a remote worker. Kept incrementally per study, because a finished trial's
 * params never change: each ask folds in only new and still-running trials (a scan of every
 * trial's params was ~10% of a server's CPU per trial at 2,000 trials).
 */
import type { Distribution } from '../distributions.js';
import { isFinished, type FrozenTrial } from '../frozen-trial.js';

export class KnownSpace {
  private readonly latest = new Map<string, { distribution: Distribution; number: number }>();
  /** Finished trials already folded in. */
  private readonly folded = new Set<number>();

  /** Folds in what changed and answers name -> most recent distribution, names sorted (a stable draw order). */
  update(trials: readonly FrozenTrial[]): Map<string, Distribution> {
    for (let i = trials.length - 1; i >= 0; i--) {
      const t = trials[i]!;
      if (this.folded.has(t.number)) continue;
      for (const name in t.distributions) {
        const seen = this.latest.get(name);
        if (!seen || seen.number <= t.number) this.latest.set(name, { distribution: t.distributions[name]!, number: t.number });
      }
      if (isFinished(t.state)) this.folded.add(t.number);
    }
    return new Map([...this.latest.keys()].sort().map((n) => [n, this.latest.get(n)!.distribution]));
  }
}
