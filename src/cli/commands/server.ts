import type { Command } from 'commander';
import { loadServerConfig } from '../../core/config.js';
import { lockHome } from '../../server/home-lock.js';
import { startServer } from '../../server/start-server.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Start the tracking server (SQLite and artifacts under ./trainyard-data unless told otherwise)')
    .option('--host <host>', 'interface to listen on', undefined)
    .option('--port <port>', 'port to listen on (default 5000)')
    .option('--db <url>', 'database: postgres://user:pass@host/db or a SQLite file path')
    .option('--artifacts <uri>', 'artifact store: a folder, or s3://bucket/prefix')
    .option('--home <dir>', 'data folder (default $TRAINYARD_HOME or ./trainyard-data)')
    .option('--auth', 'require sign-in: users, API tokens and per-experiment/model permissions (first admin from TRAINYARD_ADMIN_USERNAME/PASSWORD)')
    .option('--insecure-no-auth', 'allow listening beyond loopback without --auth (only on a network you trust)')
    .option('--default-permission <level>', 'with --auth: READ (default), EDIT, MANAGE or NO_PERMISSIONS on resources nobody granted')
    .option('--public-url <url>', 'the URL clients use (behind a proxy); https:// marks the session cookie Secure')
    .option('--allowed-hosts <names>', 'comma-separated Host names to answer besides loopback and the bind address (* for any)')
    .option('--cors-origins <origins>', 'comma-separated browser origins allowed to call the API (none by default)')
    .option('--artifacts-root <uri>', 'the same as --artifacts')
    .option('--allowed-artifact-roots <list>', 'comma-separated folders or URIs besides the store where experiments may keep artifacts')
    .option('--allow-private-webhooks', 'let webhooks target loopback, private and link-local addresses (a trusted network only)')
    .action(async (opts: { host?: string; port?: string; db?: string; artifacts?: string; artifactsRoot?: string; home?: string; auth?: boolean; insecureNoAuth?: boolean; defaultPermission?: string; publicUrl?: string; allowedHosts?: string; corsOrigins?: string; allowedArtifactRoots?: string; allowPrivateWebhooks?: boolean }) => {
      const config = loadServerConfig(opts);
      // A SQLite home has one server; replicas on PostgreSQL share nothing on local disk but may share a home.
      const lock = config.db && /^postgres(ql)?:\/\//.test(config.db) ? undefined : lockHome(config.home);
      const server = await startServer(config).catch((e: NodeJS.ErrnoException) => {
        lock?.release();
        if (e.code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is already in use: pass --port <another port>, or stop the process that holds it`);
        throw e;
      });
      lock?.setUrl(server.url);
      process.stdout.write(`Trainyard server listening on ${server.url} (store: ${server.db.description})\n`);
      if (config.auth) {
        // Who may run commands here is worth saying at every start (an upgrade kept the users of before).
        const held = await server.db.all<{ principal_kind: string; n: number }>("SELECT principal_kind, COUNT(*) AS n FROM auth_permissions WHERE resource_kind = 'compute' AND permission IN ('EDIT', 'MANAGE') GROUP BY principal_kind");
        const count = (k: string) => Number(held.find((h) => h.principal_kind === k)?.n ?? 0);
        process.stdout.write(`Compute (pipeline runs, schedules, jobs on agents): admins, ${count('user')} user(s) and ${count('team')} team(s) with a grant (GET /api/v1/permissions?resource=compute:server; trainyard users grant NAME --compute --permission EDIT)\n`);
      }
      const stop = async () => {
        await server.close().catch(() => {});
        lock?.release();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
