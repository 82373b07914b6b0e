import { describe, expect, it } from 'vitest';
import { detectHang, detectStragglers, type Beat } from './heartbeats.js';

const beat = (b: Partial<Beat>): Beat => ({ steps: 10, last_step_at: 100, phase: 'compute', phase_since: 100, own_ms: 20, own_samples: 20, written_at: 100, ...b });

describe('hang detection', () => {
  it('waits for the stall time after the last step, then names the rank outside the collective', () => {
    const beats = [beat({ phase: 'backward', phase_since: 101 }), beat({ phase: 'compute', phase_since: 100.5, written_at: 103 })];
    expect(detectHang(beats, 102_000, 0, 3, 600)).toBeUndefined();
    expect(detectHang(beats, 103_100, 0, 3, 600)).toMatchObject({ rank: 1 });
    expect(detectHang(beats, 200_000, 0, 0, 600)).toBeUndefined(); // off
    expect(detectHang(beats, 103_100, 0, 3, 600)?.inCollective).toBe(false);
  });
  it('says when every local rank waits in a collective (the culprit is on another node)', () => {
    const waiting = [beat({ phase: 'backward', phase_since: 101 }), beat({ phase: 'backward', phase_since: 101.2 })];
    expect(detectHang(waiting, 103_100, 0, 3, 600)).toMatchObject({ inCollective: true });
  });
  it('uses the startup timeout before any step', () => {
    const none = [beat({ steps: 0, last_step_at: null, phase: 'start' }), undefined];
    expect(detectHang(none, 50_000, 0, 3, 60)).toBeUndefined();
    expect(detectHang(none, 61_000, 0, 3, 60)?.reason).toMatch(/startup timeout \(60 s\)/);
  });
});

describe('straggler detection', () => {
  it('flags a rank far slower in its own compute, not ones within noise', () => {
    expect(detectStragglers([beat({ own_ms: 25 }), beat({ own_ms: 230 })])).toEqual([{ rank: 1, ownMs: 230, othersMs: 25 }]);
    expect(detectStragglers([beat({ own_ms: 25 }), beat({ own_ms: 60 })])).toEqual([]);
    expect(detectStragglers([beat({ own_ms: 25 }), beat({ own_ms: 300, own_samples: 3 })])).toEqual([]);
  });
});

describe('hang culprit', () => {
  it('prefers a rank whose beat thread still writes over one blocked with the GIL held', () => {
    const blocked = beat({ phase: 'compute', phase_since: 100.0, written_at: 100.1 });
    const sleeping = beat({ phase: 'compute', phase_since: 100.2, written_at: 104.9 });
    expect(detectHang([blocked, sleeping], 105_000, 0, 3, 600)?.rank).toBe(1);
  });
});

describe('slow start', () => {
  it('a rank that has not reported its first step yet is not hung while the others just stepped', () => {
    const beats = [beat({ last_step_at: 100 }), beat({ steps: 0, last_step_at: null, phase: 'start', phase_since: 90 })];
    expect(detectHang(beats, 101_000, 0, 3, 600)).toBeUndefined();
    expect(detectHang(beats, 103_500, 0, 3, 600)?.rank).toBe(1);
  });
});
