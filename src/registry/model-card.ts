import type { AuditRecord } from './audit-log.js';
import type { VersionFile } from './entities.js';
import type { Lineage } from './lineage-service.js';
import type { ModelSignature } from './package/index.js';

/**
 * @module Renders a version's model card (Markdown) from its lineage, package manifest,
 * evaluation report and promotion history. Pure: the card service gathers the inputs.
 */
export interface CardInput {
  lineage: Lineage;
  files: VersionFile[];
  manifest?: { flavors: string[]; signature?: ModelSignature; environment?: { requirements: string[]; lockfiles: Record<string, string>; runtime: Record<string, string> } };
  /** The evaluation report attached to the version's latest promotion request. */
  report?: { uri: string; kind: 'json' | 'markdown' | 'other'; text?: string };
  history: AuditRecord[];
}

/** Table cells: pipes and newlines would break the row. */
const cell = (v: unknown): string => String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (headers: string[], rows: unknown[][]): string =>
  [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const when = (ms: number | undefined): string => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '');
const MAX_FILE_ROWS = 50;

/** Flattens a JSON evaluation report into `key -> value` rows (nested keys dotted). */
function flatten(value: unknown, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix || 'value', Array.isArray(value) ? JSON.stringify(value) : value]);
  }
  return out;
}

export function renderModelCard(c: CardInput): string {
  const mv = c.lineage.model_version;
  const l = c.lineage;
  const out: string[] = [`# ${mv.name} — version ${mv.version}`, ''];
  if (mv.description) out.push(mv.description, '');
  out.push(table(['Field', 'Value'], [
    ['Stage', mv.current_stage],
    ['Aliases', mv.aliases.map((a) => `@${a}`).join(', ') || '—'],
    ['Status', mv.status],
    ['Registered', `${when(mv.creation_timestamp)}${mv.user_id ? ` by ${mv.user_id}` : ''}`],
    ['Source', `\`${mv.source}\``],
    ['Package digest (sha256)', `\`${l.files.package_digest}\``],
    ['Files', `${l.files.count} (${l.files.total_size} bytes)`],
  ]), '');

  out.push('## Lineage', '');
  if (!l.run) out.push('No source run is recorded for this version.', '');
  else {
    out.push(table(['', ''], [
      ['Run', `${l.run.run_name} (\`${l.run.run_id}\`)`],
      ['Experiment', l.run.experiment_id],
      ['Status', l.run.status],
      ['Started', when(l.run.start_time)],
      ['Code commit', l.code.git_commit ? `\`${l.code.git_commit}\`` : 'not recorded'],
      ...(l.code.git_repo_url ? [['Repository', l.code.git_repo_url]] : []),
      ...(l.code.source_name ? [['Entry point', l.code.source_name]] : []),
      ...(l.pipeline ? [['Pipeline', `${l.pipeline.run_id}${l.pipeline.step ? ` / ${l.pipeline.step}` : ''}`]] : []),
    ]), '');
    out.push('### Datasets', '', l.datasets.length ? table(['Name', 'Digest', 'Context', 'Source type'], l.datasets.map((d) => [d.name, `\`${d.digest}\``, d.context ?? '', d.source_type])) : 'No dataset inputs were logged.', '');
    if (l.params.length) out.push('### Parameters', '', table(['Key', 'Value'], l.params.map((p) => [p.key, p.value])), '');
    if (l.metrics.length) out.push('### Metrics (latest)', '', table(['Key', 'Value', 'Step'], l.metrics.map((m) => [m.key, m.value, m.step])), '');
  }

  if (c.manifest) {
    out.push('## Model', '', `Flavors: ${c.manifest.flavors.map((f) => `\`${f}\``).join(', ') || '—'}`, '');
    const sig = c.manifest.signature;
    const fields = (list: ModelSignature['inputs'] | undefined) => (list ?? []).map((f) => [f.name ?? '', f.type, f.shape ? `[${f.shape.join(', ')}]` : '', f.optional ? 'optional' : '']);
    if (sig) {
      out.push('### Inputs', '', table(['Name', 'Type', 'Shape', ''], fields(sig.inputs)), '');
      if (sig.outputs?.length) out.push('### Outputs', '', table(['Name', 'Type', 'Shape', ''], fields(sig.outputs)), '');
    }
    const env = c.manifest.environment;
    if (env) {
      out.push('### Environment', '');
      out.push(`Runtime: ${Object.entries(env.runtime).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`, '');
      if (env.requirements.length) out.push('Requirements:', '', ...env.requirements.map((r) => `- \`${r}\``), '');
      if (Object.keys(env.lockfiles).length) out.push(table(['Lockfile', 'sha256'], Object.entries(env.lockfiles).map(([k, v]) => [k, `\`${v}\``])), '');
    }
  }

  out.push('## Evaluation', '');
  if (!c.report) out.push('No evaluation report was attached to a promotion request for this version.', '');
  else {
    out.push(`Report: \`${c.report.uri}\``, '');
    if (c.report.kind === 'json' && c.report.text !== undefined) {
      try {
        out.push(table(['Metric', 'Value'], flatten(JSON.parse(c.report.text)).map(([k, v]) => [k, v])), '');
      } catch {
        out.push('```', c.report.text, '```', '');
      }
    } else if (c.report.kind === 'markdown' && c.report.text !== undefined) out.push(c.report.text.trim(), '');
  }

  out.push('## Promotion history', '');
  out.push(c.history.length
    ? table(['When', 'Action', 'Target', 'From', 'To', 'User', 'Why'], c.history.map((h) => [when(h.timestamp), h.action, h.target ?? '', h.from ?? '', h.to ?? '', h.user ?? '', h.reason ?? '']))
    : 'No transitions yet.', '');

  out.push('## Files', '');
  out.push(table(['Path', 'Size', 'sha256'], c.files.slice(0, MAX_FILE_ROWS).map((f) => [f.path || '(the source file)', f.size, `\`${f.sha256}\``])));
  if (c.files.length > MAX_FILE_ROWS) out.push('', `${MAX_FILE_ROWS} of ${c.files.length} files shown.`);
  return out.join('\n') + '\n';
}
