import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE, runLaunch, TORCH_PYTHON } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-bad-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

// A real Python without torch: Debian's interpreter without its site packages (-S), where
// python3-torch lives.
const noTorch = join(home, 'python-without-torch');

describe('trainyard launch refuses bad input before anything starts', () => {
  const cases: [string, string[], RegExp][] = [
    ['0 workers', ['--nproc-per-node', '0'], /--nproc-per-node must be >= 1 \(got 0\)/],
    ['min > max nodes', ['--nnodes', '3:1'], /--nnodes MIN:MAX needs MIN <= MAX \(got 3:1\)/],
    ['0 nodes', ['--nnodes', '0'], /--nnodes needs at least 1 node/],
    ['negative restarts', ['--max-restarts', '-1'], /--max-restarts must be >= 0 \(got -1\)/],
    ['more nodes than this machine', ['--nnodes', '2:3'], /needs 2 nodes to start, but this launcher supervises one machine/],
    ['a missing interpreter', ['--python', '/nonexistent/python3'], /interpreter '\/nonexistent\/python3' not found/],
  ];
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const r = await runLaunch(['launch', '--python', TORCH_PYTHON, ...flags, '--job-id', 'bad', EXAMPLE], home);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(message);
      expect(r.output.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(home, 'launch', 'bad'))).toBe(false);
    });
  }

  it('a missing script', async () => {
    const r = await runLaunch(['launch', '--python', TORCH_PYTHON, '--job-id', 'bad', 'no-such-train.py'], home);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/training script 'no-such-train.py' not found/);
    expect(existsSync(join(home, 'launch', 'bad'))).toBe(false);
  });

  it('an interpreter without torch, named in the message', async () => {
    const { writeFileSync, chmodSync } = await import('node:fs');
    writeFileSync(noTorch, `#!/bin/sh\nexec ${TORCH_PYTHON} -S "$@"\n`);
    chmodSync(noTorch, 0o755);
    const r = await runLaunch(['launch', '--python', noTorch, '--max-restarts', '3', '--job-id', 'bad', EXAMPLE], home);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`interpreter '${noTorch}' has no torch`);
    expect(existsSync(join(home, 'launch', 'bad'))).toBe(false);
    const list = await runLaunch(['jobs', 'list', '--json'], home);
    expect(JSON.parse(list.output)).toEqual([]);
  });
});
