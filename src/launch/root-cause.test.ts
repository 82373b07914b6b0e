import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootCause } from './root-cause.js';

const dir = mkdtempSync(join(tmpdir(), 'ty-rc-'));
function exit(rank: number, at: number, stderr: string, code: number | null = 1, signal: NodeJS.Signals | null = null) {
  const f = join(dir, `r${rank}-${at}.log`);
  writeFileSync(f, stderr);
  return { rank, code, signal, exitedAt: at, stderrFile: f, errorFile: join(dir, 'none.json') };
}

describe('root cause', () => {
  it('names the rank with the real error even when a victim exited first', () => {
    const victim = exit(0, 1000, 'Traceback (most recent call last):\n  File "t.py"\nRuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer [127.0.0.1]:4411\n');
    const culprit = exit(1, 1005, 'Traceback (most recent call last):\n  File "t.py", line 3\nValueError: bad batch\n');
    const f = rootCause([victim, culprit])!;
    expect(f.rank).toBe(1);
    expect(f.message).toBe('rank 1 exited with code 1: ValueError: bad batch');
    expect(f.traceback).toContain('File "t.py", line 3');
  });
  it('a signal death wins over collateral errors; success is no failure', () => {
    expect(rootCause([exit(0, 1, 'Traceback (most recent call last):\nRuntimeError: Connection reset by peer\n'), exit(1, 2, '', null, 'SIGKILL')])).toMatchObject({ rank: 1, signal: 'SIGKILL', message: 'rank 1 was killed by SIGKILL' });
    expect(rootCause([exit(0, 1, '', 0)])).toBeUndefined();
  });
});
