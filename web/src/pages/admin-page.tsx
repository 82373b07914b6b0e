import { useState, type FormEvent } from 'react';
import { api, mlflow } from '../api/client';
import { ErrorLine, useAsync } from '../components/common';

interface UserRow { id: number; username: string; is_admin: boolean; teams: string[] }
interface TeamRow { name: string; members: string[] }
interface TeamDetail { name: string; members: string[]; experiment_permissions: { experiment_id: string; permission: string }[]; registered_model_permissions?: { name: string; permission: string }[] }

const PERMISSIONS = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'];
const field = (e: FormEvent<HTMLFormElement>, name: string) => String(new FormData(e.currentTarget).get(name) ?? '').trim();

/**
 * Users and teams for admins (with `--auth`), over the auth REST API: create users, make them
 * admins, create teams, add and remove members, grant a team a permission on an experiment or
 * a registered model.
 */
export function AdminPage() {
  const users = useAsync(() => api<{ users: UserRow[] }>('GET', '/api/v1/users'), []);
  const teams = useAsync(() => api<{ teams: TeamRow[] }>('GET', '/api/v1/teams'), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
      users.reload();
      teams.reload();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };
  const createUser = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const username = field(e, 'username');
    const admin = new FormData(form).get('admin') === 'on';
    const ok = await act(async () => {
      await mlflow('POST', '/users/create', { username, password: field(e, 'password') });
      if (admin) await mlflow('PATCH', '/users/update-admin', { username, is_admin: true });
    }, `Created user ${username}.`);
    if (ok) form.reset();
  };
  const createTeam = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const name = field(e, 'team');
    if (await act(() => api('POST', '/api/v1/teams', { name }), `Created team ${name}.`)) form.reset();
  };
  return (
    <div className="page">
      <h1>Users and teams</h1>
      <ErrorLine error={error ?? users.error ?? teams.error} />
      {notice && <div className="muted" role="status">{notice}</div>}
      <div className="cols2">
        <div>
          <h2>Users</h2>
          <form className="toolbar" aria-label="create user" onSubmit={createUser}>
            <input name="username" aria-label="new username" placeholder="username" required />
            <input name="password" aria-label="new password" type="password" placeholder="password (8+ characters)" required />
            <label><input name="admin" type="checkbox" aria-label="new user is admin" /> admin</label>
            <button>Create user</button>
          </form>
          <table className="grid" aria-label="users">
            <thead><tr><th>User</th><th>Admin</th><th>Teams</th></tr></thead>
            <tbody>{(users.data?.users ?? []).map((u) => (
              <tr key={u.username} data-user={u.username}>
                <td>{u.username}</td>
                <td><input type="checkbox" aria-label={`${u.username} is admin`} checked={u.is_admin} onChange={(e) => void act(() => mlflow('PATCH', '/users/update-admin', { username: u.username, is_admin: e.target.checked }), `${u.username} is ${e.target.checked ? 'now' : 'no longer'} an admin.`)} /></td>
                <td>{u.teams.join(', ')}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
        <div>
          <h2>Teams</h2>
          <form className="toolbar" aria-label="create team" onSubmit={createTeam}>
            <input name="team" aria-label="new team name" placeholder="team name" required /> <button>Create team</button>
          </form>
          {(teams.data?.teams ?? []).map((t) => <TeamBox key={t.name} team={t} users={(users.data?.users ?? []).map((u) => u.username)} act={act} />)}
          {teams.data && !teams.data.teams.length && <p className="muted">No teams yet.</p>}
        </div>
      </div>
    </div>
  );
}

function TeamBox({ team, users, act }: { team: TeamRow; users: string[]; act: (what: () => Promise<unknown>, done: string) => Promise<boolean> }) {
  const detail = useAsync(() => api<{ team: TeamDetail }>('GET', `/api/v1/teams/${encodeURIComponent(team.name)}`), [team.name, team.members.join(',')]);
  const base = `/api/v1/teams/${encodeURIComponent(team.name)}`;
  const addMember = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const username = field(e, 'username');
    await act(() => api('POST', `${base}/members`, { username }), `Added ${username} to ${team.name}.`);
  };
  const grant = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const kind = field(e, 'kind');
    const id = field(e, 'resource');
    const permission = field(e, 'permission');
    const ok = await act(() => (kind === 'model' ? api('POST', `${base}/registered-model-permissions`, { name: id, permission }) : api('POST', `${base}/experiment-permissions`, { experiment_id: id, permission })), `Granted ${team.name} ${permission} on ${kind} ${id}.`);
    if (ok) detail.reload();
  };
  const perms = [
    ...(detail.data?.team.experiment_permissions ?? []).map((p) => ({ kind: 'experiment', id: p.experiment_id, permission: p.permission })),
    ...(detail.data?.team.registered_model_permissions ?? []).map((p) => ({ kind: 'model', id: p.name, permission: p.permission })),
  ];
  return (
    <section className="team" data-team={team.name} aria-label={`team ${team.name}`}>
      <h3>{team.name}</h3>
      <ul aria-label={`${team.name} members`}>{team.members.map((m) => (
        <li key={m} data-member={m}>{m} <button className="link" aria-label={`remove ${m} from ${team.name}`} onClick={() => void act(() => api('DELETE', `${base}/members/${encodeURIComponent(m)}`), `Removed ${m} from ${team.name}.`)}>remove</button></li>
      ))}</ul>
      <form className="toolbar" onSubmit={addMember}>
        <select name="username" aria-label={`user to add to ${team.name}`}>{users.filter((u) => !team.members.includes(u)).map((u) => <option key={u}>{u}</option>)}</select>
        <button>Add member</button>
      </form>
      <form className="toolbar" onSubmit={grant}>
        <select name="kind" aria-label={`${team.name} grant kind`}><option value="experiment">experiment id</option><option value="model">registered model</option></select>
        <input name="resource" aria-label={`${team.name} grant resource`} placeholder="experiment id or model name" required />
        <select name="permission" aria-label={`${team.name} grant permission`}>{PERMISSIONS.map((p) => <option key={p}>{p}</option>)}</select>
        <button>Grant</button>
      </form>
      {perms.length > 0 && <table className="grid" aria-label={`${team.name} permissions`}><tbody>{perms.map((p) => <tr key={`${p.kind}/${p.id}`}><td>{p.kind}</td><td className="mono">{p.id}</td><td>{p.permission}</td></tr>)}</tbody></table>}
    </section>
  );
}
