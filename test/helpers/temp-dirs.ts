/**
 * Temp folders that a test file's helpers make and nobody else removes: every folder made here is
 * removed after the test file that imported this module (its root afterAll), so a test may still
 * inspect the folder in its own tests and hooks, and a failed or forgotten tear-down leaves
 * nothing in /tmp. A helper whose own tear-down removes the folder earlier does no harm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made = new Set<string>();

// Top level, so the hook belongs to the importing file's root suite and runs after all of it.
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
});

/** `mkdtemp` under the system temp folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
