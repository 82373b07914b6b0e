import type { AuthStore } from './auth-store.js';

/**
 * The first admin, from TRAINYARD_ADMIN_USERNAME / TRAINYARD_ADMIN_PASSWORD, created only when
 * that user does not exist yet (a restart with the variables still set changes nothing).
 */
export async function bootstrapAdmin(store: AuthStore, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const username = env.TRAINYARD_ADMIN_USERNAME;
  const password = env.TRAINYARD_ADMIN_PASSWORD;
  if (!username || !password) return undefined;
  if (await store.user(username)) return undefined;
  await store.createUser(username, password, true);
  return username;
}
