import type { Migration } from './migration.js';

// Starting pipeline runs, schedules and agent-placed jobs now needs EDIT on `compute:server`
// (issue 12's follow-up). Before this, every signed-in user could start them. An upgrade must
// neither lock those users out nor open anything new: every user who exists at the upgrade keeps
// the right, as an ordinary grant an admin sees (GET /api/v1/permissions?resource=compute:server)
// and revokes; users created afterwards start without it. Admins need no grant. On a fresh store
// there are no users yet, so nobody gets one.
const keep = `
INSERT INTO auth_permissions (resource_kind, resource_id, principal_kind, principal_id, permission)
SELECT 'compute', 'server', 'user', id, 'EDIT' FROM auth_users WHERE is_admin = 0;
`;

export const migration021: Migration = { version: 21, name: 'compute-grants', sql: { sqlite: keep, postgres: keep } };
