/**
 * @module `trainyard models lineage NAME VERSION`: where a version came from, read top-down as
 * pipeline run -> step -> run -> version, then the run's datasets, code and files.
 */
import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import { Models } from '../../client/index.js';
import type { Lineage } from '../../registry/index.js';
import { printJson } from '../output.js';

export function formatLineage(l: Lineage): string {
  const mv = l.model_version;
  const lines: string[] = [];
  const p = l.pipeline;
  let indent = '';
  if (p) {
    lines.push(`pipeline run ${p.run_id}${p.pipeline ? `  (${p.pipeline}${p.status ? `, ${p.status}` : ''})` : ''}${p.definition_hash ? `  definition ${p.definition_hash.slice(0, 12)}` : ''}`);
    indent = '  ';
    if (p.run_step) {
      lines.push(`${indent}step ${p.run_step}`);
      indent += '  ';
    }
  }
  if (l.run) {
    lines.push(`${indent}run ${l.run.run_id}  (${l.run.run_name ?? ''}${l.run.status ? `, ${l.run.status}` : ''})`);
    indent += '  ';
  }
  lines.push(`${indent}version ${mv.name}/${mv.version}${p?.step && p.recorded_on === 'version' ? `  registered by step ${p.step}` : ''}`);
  for (const d of l.datasets) lines.push(`dataset ${d.name} ${d.digest}${d.context ? ` (${d.context})` : ''}`);
  if (l.code.git_commit) lines.push(`code ${l.code.git_commit}${l.code.source_name ? ` ${l.code.source_name}` : ''}`);
  lines.push(`files ${l.files.count} (${l.files.total_size} bytes) package sha256 ${l.files.package_digest}`);
  return lines.join('\n') + '\n';
}

export function registerModelLineageCommand(models: Command, program: Command): void {
  models
    .command('lineage <name> <version>')
    .description('Where a version came from: pipeline run -> step -> run -> version, datasets, code, files')
    .option('--json', 'print JSON')
    .action(async (name: string, version: string, opts: { json?: boolean }) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        const l = await new Models(async () => t).lineage(name, version);
        if (opts.json) return printJson(l);
        process.stdout.write(formatLineage(l));
      } finally {
        await t.close();
      }
    });
}
