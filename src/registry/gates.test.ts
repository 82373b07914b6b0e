import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFailures, evaluateGates, parseGate } from './gates.js';

describe('promotion gates', () => {
  it('parses metric gates with and without the metrics. prefix, and quoted keys', () => {
    expect(parseGate('metrics.auc >= 0.85')).toEqual({ expression: 'metrics.auc >= 0.85', metric: 'auc', op: '>=', threshold: 0.85 });
    expect(parseGate('fairness.di_ratio>=0.8')).toMatchObject({ metric: 'fairness.di_ratio', op: '>=', threshold: 0.8 });
    expect(parseGate('metrics.`val loss` < 1e-2')).toMatchObject({ metric: 'val loss', op: '<', threshold: 0.01 });
    expect(parseGate('latency_ms == 20')).toMatchObject({ op: '=', threshold: 20 });
    expect(parseGate('m != -3')).toMatchObject({ op: '!=', threshold: -3 });
  });

  it('rejects anything else with a message that shows the form', () => {
    for (const bad of ['', 'auc', 'auc >= ', 'auc => 1', 'auc >= high', 'auc >= 1 and x < 2', 'auc >= NaN']) {
      expect(() => parseGate(bad, 'gates[0]')).toThrow(/gates\[0\].*<metric> <op> <number>/);
    }
  });

  it('fails a gate on a missing or NaN metric, and describes failures', () => {
    const gates = ['auc >= 0.85', 'di >= 0.8', 'loss < 1'].map((g) => parseGate(g));
    const res = evaluateGates(gates, new Map([['auc', 0.9], ['loss', NaN]]));
    expect(res.map((r) => r.passed)).toEqual([true, false, false]);
    expect(describeFailures(res)).toBe('di >= 0.8 (di was not logged by the source run); loss < 1 (loss = NaN)');
  });

  it('agrees with plain comparison for any finite value and threshold', () => {
    const ops = { '>=': (a: number, b: number) => a >= b, '>': (a: number, b: number) => a > b, '<=': (a: number, b: number) => a <= b, '<': (a: number, b: number) => a < b } as const;
    fc.assert(fc.property(fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -1000, max: 1000 }), (op, value, t) => {
      const [r] = evaluateGates([parseGate(`m ${op} ${t}`)], new Map([['m', value]]));
      return r!.passed === ops[op](value, t);
    }));
  });
});
