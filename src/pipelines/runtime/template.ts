/** @module `{{params.x}}`, `{{inputs.x}}`, `{{outputs.x}}`, `{{item}}`, `{{workdir}}` in commands, shell-quoted. */
import { join } from 'node:path';
import type { OutputSpec } from '../definition/spec.js';
import type { TaskInput } from '../executors/executor.js';

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function text(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { path?: unknown }).path === 'string' && 'digest' in (v as object)) return shellQuote((v as { path: string }).path);
  if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && 'digest' in x)) return v.map(text).join(' ');
  if (typeof v === 'string') return shellQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return shellQuote(JSON.stringify(v ?? null));
}

export function renderCommand(template: string, scope: { params: Record<string, unknown>; inputs: Record<string, TaskInput>; outputs: Record<string, OutputSpec>; item?: unknown; workdir: string }): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, t: string) => {
    const [head, key] = t.split('.', 2) as [string, string | undefined];
    if (t === 'item') return text(scope.item);
    if (t === 'workdir') return shellQuote(scope.workdir);
    if (head === 'params') return text(scope.params[key!]);
    if (head === 'inputs') return text(scope.inputs[key!]);
    if (head === 'outputs') return shellQuote(join(scope.workdir, scope.outputs[key!]?.path ?? key!));
    return '';
  });
}
