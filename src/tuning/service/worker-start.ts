/**
 * @module What a remote worker gets at ask besides its trial: proposals (values drawn by the
 * study's sampler for every parameter it may suggest) and the pruner's view (pruners/prune-view.ts),
 * so its `suggest*`, `report` and `shouldPrune()` answer without a round trip (see routes.ts).
 */
import { crc32 } from '../crc32.js';
import { distributionsEqual, type Distribution, type ParamValue } from '../distributions.js';
import type { JsonValue } from '../frozen-trial.js';
import { viewJson } from '../pruners/prune-view.js';
import type { Trial } from '../trial.js';
import type { Suggestion } from './remote-trials.js';
import type { LoadedStudy } from './study-registry.js';

/**
 * A value drawn for a worker to use if it suggests `name` with exactly `distribution`; with
 * `distribution: null`, whatever distribution it suggests `name` with (a grid point).
 */
export interface Proposal {
  distribution: Distribution | null;
  value: ParamValue;
  /** Values for the other distributions the study used for this name (dynamic ranges). */
  others?: { distribution: Distribution; value: ParamValue }[];
}

/** The pruner's view of the other trials (prune-view.ts) with its tag; `view` is left out when the worker's tag matches. */
export interface PruneViewReply {
  view?: JsonValue;
  etag: string;
}

/**
 * Values for every parameter the worker may suggest, drawn now so its `suggest*` calls answer
 * without a round trip: each parameter the study's trials have used (its last few
 * distributions), the sampler's joint space, and `extra`. Nothing is recorded until
 * the worker reports what it used (`update`/`tell`), so untaken branches leave no trace.
 */
export function proposals(s: LoadedStudy, trial: Trial, extra: readonly Suggestion[]): Record<string, Proposal> {
  const space = s.knownSpace.update(s.study.latestTrials());
  // Put first: what the sampler drew jointly, what the worker asked for, what the trial holds.
  const first = (name: string, d: Distribution) => space.set(name, [d, ...(space.get(name) ?? []).filter((o) => !distributionsEqual(o, d))]);
  for (const [name, d] of Object.entries(trial.relativeSearchSpace)) first(name, d);
  for (const { name, distribution } of extra) first(name, distribution);
  for (const [name, d] of Object.entries(trial.distributions)) first(name, d);
  const out: Record<string, Proposal> = {};
  const fixed = trial.samplerValues;
  for (const [name, value] of Object.entries(fixed)) out[name] = { distribution: null, value };
  for (const [name, [main, ...others]] of space) {
    if (name in fixed || !main) continue;
    const draw = (distribution: Distribution) => {
      try {
        return { distribution, value: trial.propose(name, distribution) };
      } catch {
        // An enqueued value that does not fit this distribution: the worker meets the error
        // when it suggests the name, as an embedded trial would.
        return null;
      }
    };
    // The others first: a trial memoises one draw per name, and it should be the main one.
    const alt = others.map(draw).filter((p): p is { distribution: Distribution; value: ParamValue } => p !== null);
    const p = draw(main);
    if (p) out[name] = alt.length ? { ...p, others: alt } : p;
  }
  return out;
}

/** The pruner's view for this trial, or only its tag when the worker already holds it. */
export function pruneView(s: LoadedStudy, number: number, knownEtag?: string): PruneViewReply | null {
  const pruner = s.study.pruner;
  if (s.record.directions.length > 1 || !pruner.view) return null;
  const others = s.study.latestTrials().filter((t) => t.number !== number);
  const view = viewJson(pruner.view({ study: s.study.info, trials: others, trialNumber: number }));
  const etag = crc32(JSON.stringify(view)).toString(36);
  return etag === knownEtag ? { etag } : { view, etag };
}
