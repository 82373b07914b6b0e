/**
 * @module The search benchmark's runs, as data: what a client would log for each run (name,
 * start/end, params, tags, one point per metric). The bulk loader writes these rows straight
 * into the store's tables; test/bench-bulk-load.int.test.ts logs the same specs through the
 * tracking service and checks both stores hold the same rows.
 */

export const SEARCH_SHAPE = { params: 20, metrics: 20, tags: 5 };
export const BENCH_BASE_TIME = 1_760_000_000_000;
export const BENCH_USER = 'bench';

export interface BenchRun {
  id: string;
  /** Generation index: the run's name and start time come from it, not from its id. */
  index: number;
  name: string;
  start: number;
  end: number;
  params: [string, string][];
  /** Besides mlflow.runName and mlflow.user, which creating a run writes. */
  tags: [string, string][];
  metrics: { key: string; value: number; step: number; timestamp: number }[];
}

/** A seeded generator so every run of the benchmark searches the same data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pad = (i: number) => String(i).padStart(2, '0');

const hex32 = (rnd: () => number) => {
  let s = '';
  for (let i = 0; i < 4; i++) s += Math.floor(rnd() * 4294967296).toString(16).padStart(8, '0');
  return s;
};

/**
 * The benchmark's runs in ascending id order, `chunk` at a time. Ids are as random as the
 * server's (32 hex digits) but seeded; yielding them sorted lets each primary-key index grow at
 * its right edge instead of splitting pages all over a file larger than memory, while names and
 * start times follow the generation index, unrelated to the id.
 *
 * Param p00 takes 10 values (`lr-0` .. `lr-9`), p01 100 values, the rest 1,000; metrics are
 * uniform in [0, 1); tag `team` takes 5 values. A filter `metrics.m00 > 0.5 AND params.p00 =
 * 'lr-3'` therefore matches ~5% of runs.
 */
export function* benchRuns(runs: number, chunk: number, seed = 42): Generator<BenchRun[]> {
  const idRnd = prng(seed * 7919 + 1);
  const ids = new Array<string>(runs);
  for (let i = 0; i < runs; i++) ids[i] = hex32(idRnd);
  const order = Array.from({ length: runs }, (_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  const rnd = prng(seed);
  for (let from = 0; from < runs; from += chunk) {
    const out: BenchRun[] = [];
    for (const i of order.slice(from, from + chunk)) {
      const start = BENCH_BASE_TIME + i * 1000;
      const name = `run-${i}`;
      const params: [string, string][] = [];
      for (let k = 0; k < SEARCH_SHAPE.params; k++) {
        const card = k === 0 ? 10 : k === 1 ? 100 : 1000;
        params.push([`p${pad(k)}`, k === 0 ? `lr-${Math.floor(rnd() * card)}` : String(Math.floor(rnd() * card))]);
      }
      const metrics = [];
      for (let k = 0; k < SEARCH_SHAPE.metrics; k++) metrics.push({ key: `m${pad(k)}`, value: rnd(), step: 99, timestamp: start + 500_000 });
      out.push({
        id: ids[i]!, index: i, name, start, end: start + 600_000, params, metrics,
        tags: [['team', `team-${i % 5}`], ['stage', i % 2 ? 'dev' : 'prod'], ['note', `note ${i}`]],
      });
    }
    yield out;
  }
}
