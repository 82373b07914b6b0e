/**
 * @module Authentication, permissions and the admin bootstrap for `trainyard server --auth`:
 * users with scrypt password hashes, personal API tokens, MLflow's READ/EDIT/MANAGE model, and
 * the hook that enforces each route's declared rule (no rule = admins only).
 */
export { AuthStore, PERMISSIONS, type User, type StoredPermission } from './auth-store.js';
export { installAuth, PUBLIC_PATHS, CSRF_HEADER, type AuthOptions } from './auth-hook.js';
export { SessionStore, SESSION_TTL_MS } from './sessions.js';
export { sessionRoutes } from './session-routes.js';
export { SESSION_COOKIE } from './cookies.js';
export { hashPassword, verifyPassword } from './password.js';
export { bootstrapAdmin } from './bootstrap-admin.js';
export { authRoutes } from './routes.js';
export { TeamStore, TEAM_RESOURCE_KINDS, type Team } from './team-store.js';
export { teamRoutes } from './team-routes.js';
export { nativePermissionRoutes } from './native-permission-routes.js';
export { NATIVE_RESOURCE_KINDS, COMPUTE } from './native-resources.js';
