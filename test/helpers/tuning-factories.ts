/**
 * @module Test factories for the tuning API: studies with partial overrides, and short calls.
 */
import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';
import { ok } from './tracking-factories.js';

export const studyPath = (name: string, rest = '') => `/api/v1/studies/${encodeURIComponent(name)}${rest}`;
export const trialPath = (name: string, n: number, rest = '') => studyPath(name, `/trials/${n}${rest}`);
export const uniqueName = (prefix = 'study') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Creates a study (random name unless given) and returns its JSON. */
export async function makeStudy(s: TestServer, over: Record<string, unknown> = {}): Promise<any> {
  return ok(await s.call('POST', '/api/v1/studies', { name: uniqueName(), ...(over.directions ? {} : { direction: 'minimize' }), ...over }), 'create study').study;
}

export const float = (low: number, high: number, extra: Record<string, unknown> = {}) => ({ type: 'float', low, high, ...extra });
export const int = (low: number, high: number, extra: Record<string, unknown> = {}) => ({ type: 'int', low, high, ...extra });
export const categorical = (choices: unknown[]) => ({ type: 'categorical', choices });

/** ask -> suggest x (one call) -> tell (x - 2)^2; resolves the told trial JSON. */
export async function oneTrial(s: TestServer, name: string): Promise<any> {
  const { trial } = ok(await s.call('POST', studyPath(name, '/ask'), {}));
  const { value } = ok(await s.call('POST', trialPath(name, trial.number, '/suggest'), { name: 'x', distribution: float(-5, 5) }));
  return ok(await s.call('POST', trialPath(name, trial.number, '/tell'), { values: [(value - 2) ** 2] })).trial;
}
