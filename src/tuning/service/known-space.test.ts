import { describe, expect, it } from 'vitest';
import { floatDistribution, intDistribution } from '../distributions.js';
import { makeTrial } from '../test-helpers.js';
import { KnownSpace } from './known-space.js';

describe('KnownSpace', () => {
  it('answers each name with its distributions, most recent first, and picks up params a running trial adds later', () => {
    const wide = floatDistribution('x', 0, 10);
    const narrow = floatDistribution('x', 0, 1);
    const k = new KnownSpace();
    const t0 = makeTrial({ number: 0, params: { x: [1, wide] } });
    const t1 = makeTrial({ number: 1, state: 'RUNNING', params: { x: [0.5, narrow] } });
    expect([...k.update([t0, t1])]).toEqual([['x', [narrow, wide]]]);
    // Trial 1 goes on to suggest 'n' and finishes; trial 0 (finished) is not scanned again.
    const t1later = makeTrial({ number: 1, params: { x: [0.5, narrow], n: [3, intDistribution('n', 0, 5)] } });
    expect([...k.update([t0, t1later]).keys()]).toEqual(['n', 'x']);
    // The same distribution again moves to the front instead of repeating.
    const t2 = makeTrial({ number: 2, params: { x: [2, wide] } });
    expect(k.update([t0, t1later, t2]).get('x')).toEqual([wide, narrow]);
  });

  it('keeps the four most recent ranges of a dynamic parameter', () => {
    const k = new KnownSpace();
    const trials = [1, 2, 3, 4, 5, 6].map((hi, i) => makeTrial({ number: i, params: { units: [1, intDistribution('units', 1, hi * 10)] } }));
    expect(k.update(trials).get('units')!.map((d) => (d.type === 'int' ? d.high : 0))).toEqual([60, 50, 40, 30]);
  });
});
