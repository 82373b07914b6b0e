/**
 * Test helper: runs a Python snippet under Debian's /usr/bin/python3 (python3-sklearn, scipy) with
 * `data` as JSON on stdin and returns what it prints as JSON. The reference our math is checked
 * against; .ci/run installs python3-sklearn.
 */
import { execFileSync } from 'node:child_process';

export const PYTHON = process.env.TRAINYARD_TEST_PYTHON ?? '/usr/bin/python3';

export function pyReference<T>(code: string, data: unknown): T {
  const prelude = 'import json, sys\nimport numpy as np\ndata = json.load(sys.stdin)\n';
  const out = execFileSync(PYTHON, ['-c', prelude + code], { input: JSON.stringify(data), encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
  return JSON.parse(out) as T;
}

/** A small seeded generator (the splits' mulberry32) so test data is the same on every run. */
export { seededRandom as rng } from '../features/split.js';
