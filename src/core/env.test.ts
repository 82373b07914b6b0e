import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './config.js';
import { readServerEnv } from './env.js';

describe("the server's environment variables", () => {
  it('accepts good values and treats empty ones as unset', () => {
    expect(readServerEnv({ TRAINYARD_PORT: '8080', TRAINYARD_AUTH: 'true', TRAINYARD_DB: '', OTHER: 'x' })).toEqual({ TRAINYARD_PORT: '8080', TRAINYARD_AUTH: 'true' });
  });

  it.each([
    [{ TRAINYARD_PORT: 'abc' }, "Invalid environment variable TRAINYARD_PORT='abc': must be a whole number between 0 and 65535"],
    [{ TRAINYARD_PORT: '70000' }, "Invalid environment variable TRAINYARD_PORT='70000': must be a whole number between 0 and 65535"],
    [{ TRAINYARD_AUTH: 'yes' }, "Invalid environment variable TRAINYARD_AUTH='yes': must be true or false"],
    [{ TRAINYARD_DEFAULT_PERMISSION: 'read' }, "Invalid environment variable TRAINYARD_DEFAULT_PERMISSION='read': must be READ, EDIT, MANAGE or NO_PERMISSIONS"],
    [{ TRAINYARD_METRIC_GROUP_COMMIT: 'no' }, "Invalid environment variable TRAINYARD_METRIC_GROUP_COMMIT='no': must be on or off"],
    [{ TRAINYARD_METRIC_CHUNK_MIN: '1' }, "Invalid environment variable TRAINYARD_METRIC_CHUNK_MIN='1': must be off or a whole number of at least 2"],
    [{ TRAINYARD_ADMIN_PASSWORD: 'short' }, 'Invalid environment variable TRAINYARD_ADMIN_PASSWORD=(hidden): must be at least 8 characters'],
  ])('names the bad variable %o', (env, message) => {
    expect(() => readServerEnv(env)).toThrow(message);
    expect(() => loadServerConfig({}, env)).toThrow(message);
  });

  it('names the flag when a flag is bad, and lets a flag override the variable', () => {
    expect(() => loadServerConfig({ port: 'x' }, {})).toThrow("Invalid --port 'x': port must be a number");
    expect(loadServerConfig({ port: '7000' }, { TRAINYARD_PORT: '8000' }).port).toBe(7000);
    expect(loadServerConfig({}, { TRAINYARD_PORT: '8000', TRAINYARD_AUTH: 'true' })).toMatchObject({ port: 8000, auth: true });
  });
});
