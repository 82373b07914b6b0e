import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AuthStore, COMPUTE, TeamStore, type StoredPermission } from '../../auth/index.js';
import { defaultHome } from '../../core/config.js';
import { openDatabase, type Database } from '../../store/index.js';
import { fail, formatTime, printJson, printTable } from '../output.js';

/**
 * `trainyard users` and `trainyard teams`: run on the server's machine, against its store
 * (--db / TRAINYARD_DB, else the SQLite file under TRAINYARD_HOME), so the first admin can be
 * made before the server starts. Over HTTP the same is MLflow's users API and /api/v1/teams.
 */
interface StoreFlags {
  db?: string;
  home?: string;
  json?: boolean;
}

async function withStore<T>(flags: StoreFlags, fn: (users: AuthStore, teams: TeamStore, db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(flags.db ?? process.env.TRAINYARD_DB, flags.home ?? defaultHome());
  try {
    const users = new AuthStore(db);
    return await fn(users, new TeamStore(db, users), db);
  } finally {
    await db.close();
  }
}

/** The password: the first line of stdin with --password-stdin, else a prompt that does not echo. */
async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    if (!fromStdin) fail('no terminal to ask for a password: pipe it with --password-stdin');
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.split(/\r?\n/, 1)[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stdout.write('Password: ');
  muted._writeToOutput = () => {};
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return password;
}

const storeOptions = (c: Command) => c.option('--db <url>', 'the server\'s database (default $TRAINYARD_DB or the SQLite file under the home)').option('--home <dir>', 'data folder (default $TRAINYARD_HOME or ./trainyard-data)');

function permissionOf(p: string | undefined): StoredPermission {
  const v = (p ?? '').toUpperCase();
  if (!['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'].includes(v)) fail(`--permission must be READ, EDIT, MANAGE or NO_PERMISSIONS (got '${p ?? ''}')`);
  return v as StoredPermission;
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('Users of a server started with --auth (run where the server\'s store is)');
  storeOptions(users.command('create <username>').description('Create a user (asks for the password, or reads it with --password-stdin)'))
    .option('--admin', 'make the user an admin')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (username: string, f: StoreFlags & { admin?: boolean; passwordStdin?: boolean }) => {
      const password = await readPassword(Boolean(f.passwordStdin));
      await withStore(f, async (u) => {
        const user = await u.createUser(username, password, Boolean(f.admin));
        process.stdout.write(`Created ${user.is_admin ? 'admin' : 'user'} '${user.username}'.\n`);
      });
    });
  storeOptions(users.command('list').description('List users'))
    .option('--json', 'print JSON')
    .action(async (f: StoreFlags) => {
      await withStore(f, async (_u, _t, db) => {
        const rows = await db.all<{ username: string; is_admin: number; created_at: number }>('SELECT username, is_admin, created_at FROM auth_users ORDER BY username');
        const list = rows.map((r) => ({ username: r.username, is_admin: Boolean(Number(r.is_admin)), created_at: Number(r.created_at) }));
        if (f.json) printJson({ users: list });
        else printTable(['USERNAME', 'ADMIN', 'CREATED'], list.map((r) => [r.username, r.is_admin ? 'yes' : '', formatTime(r.created_at)]));
      });
    });
  storeOptions(users.command('delete <username>').description('Delete a user, their tokens, sessions and grants'))
    .action(async (username: string, f: StoreFlags) => {
      await withStore(f, async (u) => {
        await u.deleteUser(username);
        process.stdout.write(`Deleted user '${username}'.\n`);
      });
    });
  storeOptions(users.command('token <username>').description('Create a personal API token for a user (printed once; use as TRAINYARD_TOKEN)'))
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--days <n>', 'days until it expires', '90')
    .action(async (username: string, f: StoreFlags & { name: string; days: string }) => {
      const days = Number(f.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) fail(`--days must be a whole number from 1 to 3650 (got '${f.days}')`);
      await withStore(f, async (u) => {
        const user = await u.requireUser(username);
        process.stdout.write(`${(await u.createToken(user.id, f.name, days)).token}\n`);
      });
    });

  storeOptions(users.command('grant <username>').description('Grant a user a permission: --compute (start pipeline runs, schedules and agent-placed jobs on this server)'))
    .option('--compute', "this server's executors and agents (needs EDIT)")
    .requiredOption('--permission <level>', 'READ, EDIT, MANAGE or NO_PERMISSIONS')
    .action(async (username: string, f: StoreFlags & { compute?: boolean; permission: string }) => {
      // Grants on experiments, models, studies, runs and jobs go through their own APIs; this is the one an admin gives by hand.
      if (!f.compute) fail('name what to grant: --compute');
      const permission = permissionOf(f.permission);
      await withStore(f, async (u) => {
        await u.grant(COMPUTE.kind, COMPUTE.id, (await u.requireUser(username)).id, permission);
        process.stdout.write(`User '${username}': ${permission} on compute (this server's executors and agents).\n`);
      });
    });

  const teams = program.command('teams').description('Teams: permissions granted to a group of users at once');
  storeOptions(teams.command('create <team>').description('Create a team')).action(async (team: string, f: StoreFlags) => {
    await withStore(f, async (_u, t) => {
      await t.create(team);
      process.stdout.write(`Created team '${team}'.\n`);
    });
  });
  storeOptions(teams.command('list').description('List teams and their members')).option('--json', 'print JSON').action(async (f: StoreFlags) => {
    await withStore(f, async (_u, t) => {
      const list = await t.list();
      if (f.json) printJson({ teams: list });
      else printTable(['TEAM', 'MEMBERS'], list.map((x) => [x.name, x.members.join(', ')]), 80);
    });
  });
  storeOptions(teams.command('show <team>').description('A team\'s members and permissions (JSON)')).action(async (team: string, f: StoreFlags) => {
    await withStore(f, async (_u, t) => printJson({ team: await t.describe(team) }));
  });
  storeOptions(teams.command('add <team> <usernames...>').description('Add users to a team')).action(async (team: string, names: string[], f: StoreFlags) => {
    await withStore(f, async (_u, t) => {
      for (const n of names) await t.addMember(team, n);
      process.stdout.write(`Team '${team}': added ${names.join(', ')}.\n`);
    });
  });
  storeOptions(teams.command('remove <team> <username>').description('Remove a user from a team')).action(async (team: string, name: string, f: StoreFlags) => {
    await withStore(f, async (_u, t) => {
      await t.removeMember(team, name);
      process.stdout.write(`Team '${team}': removed ${name}.\n`);
    });
  });
  storeOptions(teams.command('grant <team>').description('Grant a team a permission on an experiment, a registered model, a study, a pipeline run or schedule, or a job'))
    .option('--experiment <id>', 'experiment id')
    .option('--model <name>', 'registered model name')
    .option('--study <name>', 'study name')
    .option('--pipeline-run <id>', 'pipeline run id')
    .option('--schedule <id>', 'pipeline schedule id')
    .option('--job <id>', 'training job id')
    .option('--compute', "this server's executors and agents: EDIT lets members start pipeline runs, schedules and agent-placed jobs")
    .requiredOption('--permission <level>', 'READ, EDIT, MANAGE or NO_PERMISSIONS')
    .action(async (team: string, f: StoreFlags & { experiment?: string; model?: string; study?: string; pipelineRun?: string; schedule?: string; job?: string; compute?: boolean; permission: string }) => {
      const named = ([['experiment', f.experiment], ['model', f.model], ['study', f.study], ['pipeline_run', f.pipelineRun], ['pipeline_schedule', f.schedule], ['job', f.job], [COMPUTE.kind, f.compute ? COMPUTE.id : undefined]] as const).filter(([, v]) => v);
      if (named.length !== 1) fail('name exactly one of --experiment <id> or --model <name> (or --study, --pipeline-run, --schedule, --job, --compute)');
      const [kind, id] = named[0]! as readonly [string, string];
      const permission = permissionOf(f.permission);
      await withStore(f, async (_u, t) => {
        await t.grant(team, kind, id, permission);
        process.stdout.write(`Team '${team}': ${permission} on ${kind === 'model' ? `model '${id}'` : kind === COMPUTE.kind ? "compute (this server's executors and agents)" : `${kind.replace('_', ' ')} ${id}`}.\n`);
      });
    });
}
