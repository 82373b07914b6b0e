import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import type { AuditRecord } from '../../audit/index.js';
import { formatTime, printJson, printTable } from '../output.js';

/** `trainyard audit list`: the server's audit log of writes, newest first. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The audit log: who changed what, when, from where');
  audit
    .command('list')
    .description('List audit records, newest first (admins see all; others name a --target they can read)')
    .option('--target <kind:id>', 'only records about this target, e.g. experiment:1, run:<id>, model:<name>, study:<name>')
    .option('--user <name>', 'only records of this user')
    .option('--request-id <id>', 'the record of one request (its X-Request-Id)')
    .option('--max-results <n>', 'at most this many records', '100')
    .option('--page-token <token>', 'continue from an earlier page')
    .option('--json', 'print JSON')
    .action(async (opts: { target?: string; user?: string; requestId?: string; maxResults: string; pageToken?: string; json?: boolean }) => {
      if (!/^\d+$/.test(opts.maxResults) || Number(opts.maxResults) < 1) throw new Error(`--max-results must be a positive integer (got '${opts.maxResults}')`);
      const t = await connect({ uri: program.opts().uri });
      try {
        const res = await t.call<{ records: AuditRecord[]; next_page_token?: string }>('GET', '/api/v1/audit', {
          target: opts.target, user: opts.user, request_id: opts.requestId, max_results: opts.maxResults, page_token: opts.pageToken,
        });
        if (opts.json) return printJson(res);
        printTable(
          ['TIME', 'USER', 'ACTION', 'TARGET', 'REQUEST', 'FROM'],
          res.records.map((r) => [formatTime(r.timestamp), r.user === undefined ? '-' : r.verified ? r.user : `${r.user} (unverified)`, r.action, r.target, r.request_id, r.remote]),
          60,
        );
        if (res.next_page_token) process.stdout.write(`(more: --page-token ${res.next_page_token})\n`);
      } finally {
        await t.close();
      }
    });
}
