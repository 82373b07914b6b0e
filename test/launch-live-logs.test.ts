import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobLiveLogs } from '../src/launch/index.js';

describe('JobLiveLogs', () => {
  it('appends each chunk once (a resent chunk only adds its new part) and reads it back in order', () => {
    const home = mkdtempSync(join(tmpdir(), 'ty-live-'));
    const logs = new JobLiveLogs(home);
    logs.append('j1', 0, [{ rank: 0, stream: 'stdout', offset: 0, text: 'one\n' }]);
    logs.append('j1', 0, [{ rank: 0, stream: 'stdout', offset: 0, text: 'one\ntwo\n' }]);
    expect(logs.read('j1', 0, 0, 'stdout', undefined).text).toBe('one\ntwo\n');
    expect(logs.read('j1', 0, 1, 'stdout', undefined).text).toBe('');
  });

  it('keeps a job id with path characters inside its own folder', () => {
    const home = mkdtempSync(join(tmpdir(), 'ty-live-'));
    const logs = new JobLiveLogs(home);
    logs.append('../../etc', 0, [{ rank: 0, stream: 'stderr', offset: 0, text: 'x\n' }]);
    expect(readdirSync(home)).toEqual(['live-logs']);
    expect(readdirSync(join(home, 'live-logs', 'jobs'))[0]).toMatch(/^______etc-[0-9a-f]{10}$/);
  });

  it('refuses malformed chunks before writing any', () => {
    const home = mkdtempSync(join(tmpdir(), 'ty-live-'));
    const logs = new JobLiveLogs(home);
    for (const bad of [null, { rank: -1, stream: 'stdout', offset: 0, text: '' }, { rank: 0, stream: 'stdin', offset: 0, text: '' }, { rank: 0, stream: 'stdout', offset: 1.5, text: '' }, { rank: 0, stream: 'stdout', offset: 0, text: 3 }]) {
      expect(() => logs.append('j', 0, [{ rank: 0, stream: 'stdout', offset: 0, text: 'ok\n' }, bad as never])).toThrow(/chunks/);
    }
    expect(readdirSync(home)).toEqual([]);
  });
});
