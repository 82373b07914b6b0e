import type { Command } from 'commander';
import { connect, type Connection } from '../../client/index.js';
import { Models } from '../../client/index.js';
import type { ModelVersion, PromotionJson, RegisteredModel } from '../../registry/index.js';
import { formatTime, printJson, printTable } from '../output.js';
import { registerModelLineageCommand } from './models-lineage.js';

const API = '/api/2.0/mlflow';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Who the CLI acts as in reviews: --user, else $TRAINYARD_USER, else the login name. */
function whoAmI(opt: string | undefined): string | undefined {
  return opt || process.env.TRAINYARD_USER || process.env.USER || process.env.USERNAME || undefined;
}

function versionRows(list: ModelVersion[]) {
  return list.map((v) => [v.version, v.current_stage, v.aliases.map((a) => `@${a}`).join(' '), v.run_id ?? '', formatTime(v.creation_timestamp), v.source]);
}

function printRequest(r: PromotionJson): void {
  process.stdout.write(`Request ${r.request_id}: ${r.target} -> version ${r.version} of ${r.name} is ${r.status}\n`);
  for (const g of r.gate_results) process.stdout.write(`  gate ${g.passed ? 'passed' : 'FAILED'}: ${g.gate} (${g.metric} = ${g.value ?? 'not logged'})\n`);
  if (r.override) process.stdout.write(`  override by ${r.override.user ?? 'unknown'}: ${r.override.reason}\n`);
}

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('Registered models: list, show, register, alias, promote (with review) and download');
  /** Runs `fn` with a connection and the SDK's registry client, closing the connection after. */
  const withModels = async (fn: (m: Models, t: Connection) => Promise<void>) => {
    const t = await connect({ uri: program.opts().uri });
    try {
      await fn(new Models(async () => t), t);
    } finally {
      await t.close();
    }
  };

  models
    .command('list')
    .description('List registered models (MLflow filter grammar: name, tags.<key>)')
    .option('--filter <filter>', "e.g. \"name LIKE 'churn%'\"")
    .option('--max-results <n>', 'at most this many models', '100')
    .option('--json', 'print JSON')
    .action(async (opts: { filter?: string; maxResults: string; json?: boolean }) => {
      if (!/^\d+$/.test(opts.maxResults) || Number(opts.maxResults) < 1) throw new Error(`--max-results must be a positive integer (got '${opts.maxResults}')`);
      await withModels(async (m) => {
        const res = await m.list({ filter: opts.filter, maxResults: Number(opts.maxResults) });
        if (opts.json) return printJson(res);
        printTable(['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'], res.registered_models.map((r: RegisteredModel) => [
          r.name, Math.max(0, ...r.latest_versions.map((v) => Number(v.version))) || '', r.aliases.map((a) => `@${a.alias}=${a.version}`).join(' '),
          formatTime(r.last_updated_timestamp), r.description ?? '',
        ]));
        if (res.next_page_token) process.stdout.write('(more models: raise --max-results or narrow --filter)\n');
      });
    });

  models
    .command('show <name>')
    .description('Show a model: description, tags, aliases and its versions')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withModels(async (m) => {
        const model = await m.get(name);
        const { model_versions } = await m.versions(name);
        if (opts.json) return printJson({ registered_model: model, model_versions });
        process.stdout.write(`Model ${model.name}\n  created ${formatTime(model.creation_timestamp)}  updated ${formatTime(model.last_updated_timestamp)}\n`);
        if (model.description) process.stdout.write(`  ${model.description}\n`);
        for (const t of model.tags) process.stdout.write(`  tag ${t.key} = ${t.value}\n`);
        for (const a of model.aliases) process.stdout.write(`  @${a.alias} -> version ${a.version}\n`);
        process.stdout.write('\n');
        printTable(['VERSION', 'STAGE', 'ALIASES', 'RUN', 'CREATED', 'SOURCE'], versionRows(model_versions), 60);
      });
    });

  models
    .command('versions <name>')
    .description("List a model's versions, newest first")
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withModels(async (m) => {
        await m.get(name); // a 404 names the model rather than printing an empty table
        const res = await m.versions(name);
        if (opts.json) return printJson(res.model_versions);
        printTable(['VERSION', 'STAGE', 'ALIASES', 'RUN', 'CREATED', 'SOURCE'], versionRows(res.model_versions), 60);
      });
    });

  models
    .command('register <name> <source>')
    .description('Register a version from runs:/<run_id>/<path>, an mlflow-artifacts: URI or models:/... (creates the model if needed)')
    .option('--description <text>', 'version description')
    .option('--tag <key=value>', 'version tag (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (name: string, source: string, opts: { description?: string; tag?: string[]; json?: boolean }) => {
      const tags: Record<string, string> = {};
      for (const t of opts.tag ?? []) {
        const i = t.indexOf('=');
        if (i < 1) throw new Error(`--tag must be key=value (got '${t}')`);
        tags[t.slice(0, i)] = t.slice(i + 1);
      }
      await withModels(async (m) => {
        const v = await m.register(name, source, { description: opts.description, tags });
        if (opts.json) return printJson(v);
        process.stdout.write(`Registered ${v.name} version ${v.version} from ${v.source}\n`);
      });
    });

  models
    .command('alias <name> <alias> [version]')
    .description('Point @alias at a version (direct move, subject to the model policy), show it, or --delete it')
    .option('--delete', 'remove the alias')
    .option('--user <user>', 'act as this user (default $TRAINYARD_USER or $USER)')
    .option('--json', 'print JSON')
    .action(async (name: string, alias: string, version: string | undefined, opts: { delete?: boolean; user?: string; json?: boolean }) => {
      const a = alias.replace(/^@/, '');
      await withModels(async (m, t) => {
        if (opts.delete) {
          await t.call('DELETE', `${API}/registered-models/alias`, { name, alias: a, user: whoAmI(opts.user) });
          return opts.json ? printJson({}) : void process.stdout.write(`Removed @${a} from ${name}\n`);
        }
        if (version !== undefined) await t.call('POST', `${API}/registered-models/alias`, { name, alias: a, version, user: whoAmI(opts.user) });
        const v = await m.resolve(name, `@${a}`);
        if (opts.json) return printJson(v);
        process.stdout.write(`${name}@${a} -> version ${v.version}\n`);
      });
    });

  models
    .command('promote <name> [version]')
    .description('Request a reviewed promotion (--alias or --stage), or decide one (--approve/--reject <request_id>), or list --pending')
    .option('--alias <alias>', 'move this alias, e.g. champion')
    .option('--stage <stage>', 'move to this stage, e.g. Production')
    .option('--comment <text>', 'why')
    .option('--report <path>', "evaluation report: a path in the version's run artifacts, runs:/... or mlflow-artifacts:...")
    .option('--override-reason <text>', 'promote despite failing gates; recorded in the audit log')
    .option('--approve <request_id>', 'approve a pending request (applies the move)')
    .option('--reject <request_id>', 'reject a pending request')
    .option('--pending', 'list pending requests')
    .option('--user <user>', 'act as this user (default $TRAINYARD_USER or $USER)')
    .option('--json', 'print JSON')
    .action(async (name: string, version: string | undefined, opts: {
      alias?: string; stage?: string; comment?: string; report?: string; overrideReason?: string; approve?: string; reject?: string; pending?: boolean; user?: string; json?: boolean;
    }) => {
      const user = whoAmI(opts.user);
      await withModels(async (m, t) => {
        if (opts.pending) {
          const res = await t.call<{ requests: PromotionJson[] }>('GET', `/api/v1/models/${encodeURIComponent(name)}/promotions`, { status: 'PENDING' });
          if (opts.json) return printJson(res.requests);
          return printTable(['REQUEST', 'TARGET', 'VERSION', 'BY', 'CREATED', 'GATES', 'COMMENT'], res.requests.map((r) => [
            r.request_id, r.target, r.version, r.requested_by ?? '', formatTime(r.created_at), r.gate_results.every((g) => g.passed) ? 'pass' : 'FAIL', r.comment ?? '',
          ]));
        }
        let r: PromotionJson;
        if (opts.approve) r = await m.approve(name, opts.approve, { comment: opts.comment, overrideReason: opts.overrideReason, user });
        else if (opts.reject) r = await m.reject(name, opts.reject, { comment: opts.comment, user });
        else {
          if (!version) throw new Error('give the version to promote, e.g. `trainyard models promote churn 3 --alias champion`');
          if (!opts.alias === !opts.stage) throw new Error('give exactly one of --alias or --stage');
          r = await m.requestPromotion(name, { version, alias: opts.alias, stage: opts.stage, comment: opts.comment, evaluationReport: opts.report, overrideReason: opts.overrideReason, user });
        }
        if (opts.json) return printJson(r);
        printRequest(r);
      });
    });

  registerModelLineageCommand(models, program);

  models
    .command('download <name> [ref]')
    .description("Download a version ('@alias', 'latest' or a number; default @champion), verifying every file's digest; prints the folder")
    .option('--dst <dir>', 'folder to download into (default: a cache folder under the temp dir)')
    .option('--force', 'download again even if a verified copy exists')
    .option('--json', 'print JSON')
    .action(async (name: string, ref: string | undefined, opts: { dst?: string; force?: boolean; json?: boolean }) => {
      await withModels(async (m) => {
        const path = await m.load(name, ref ?? '@champion', { dst: opts.dst, force: opts.force });
        if (opts.json) return printJson({ name, ref: ref ?? '@champion', path });
        process.stdout.write(`${path}\n`);
      });
    });
}
