/**
 * The stdlib-only Python client (clients/python) against a real server, with the machine's
 * python3: its unittest suite runs here so CI runs it with everything else.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { useServer } from './helpers/use-server.js';

const PY = fileURLToPath(new URL('../clients/python', import.meta.url));

const server = useServer('sqlite');

/** Runs python3 without blocking the event loop (the server under test lives in this process). */
function python(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { cwd: PY, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

it('passes the Python client unittest suite (python3, standard library only)', async () => {
  // -s: no user site-packages, so the suite cannot lean on anything pip installed for this user.
  const { code, out } = await python(['-s', '-m', 'unittest', 'discover', '-s', 'tests', '-v'], { TRAINYARD_URI: server().url, PYTHONDONTWRITEBYTECODE: '1' });
  expect(code, out).toBe(0);
  expect(out).toMatch(/Ran 7 tests/);
});
