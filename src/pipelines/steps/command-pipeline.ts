/**
 * @module Command steps from a YAML file (steps in any language): each step names its command,
 * its inputs (literals, or `steps.<step>.outputs.<name>`) and its output files;
 * `{{params.x}}`, `{{inputs.x}}` and `{{outputs.x}}` are filled in (shell-quoted) before it runs.
 * Runs through `runStepsInOrder` until the pipeline scheduler's YAML form is merged; a JSON
 * output of numbers (e.g. metrics.json) is also logged as metrics on the step's run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { InvalidParameter } from '../../core/errors.js';
import type { PlannedStep } from './sequential-runner.js';
import type { BuiltinStep } from './step-context.js';

interface CommandInputs {
  command: string;
  cwd: string;
  params: Record<string, string | number | boolean>;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export const commandStep: BuiltinStep<CommandInputs, Record<string, string>> = {
  id: 'trainyard.command', version: '1', outputs: {},
  async run(inputs, ctx) {
    const outs: Record<string, string> = {};
    for (const [k, file] of Object.entries(inputs.outputs)) outs[k] = join(ctx.outputPath(k), file);
    for (const p of Object.values(outs)) mkdirSync(dirname(p), { recursive: true });
    const command = inputs.command.replace(/\{\{\s*(params|inputs|outputs)\.([\w-]+)\s*\}\}/g, (_m, kind: string, key: string) => {
      const src = kind === 'params' ? inputs.params : kind === 'inputs' ? inputs.inputs : outs;
      if (!(key in src)) throw new InvalidParameter(`step '${ctx.step}': {{${kind}.${key}}} is not declared.`);
      return quote(String(src[key]));
    });
    const run = await ctx.run();
    await run.setTag('trainyard.command', command.slice(0, 4000));
    const tail: string[] = [];
    const code = await new Promise<number>((res, rej) => {
      const child = spawn('/bin/sh', ['-c', command], { cwd: inputs.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      const onLine = (level: 'info' | 'warn') => (b: Buffer) => {
        for (const line of b.toString('utf8').split('\n').filter(Boolean)) { ctx.log[level](line); tail.push(line); if (tail.length > 20) tail.shift(); }
      };
      child.stdout.on('data', onLine('info'));
      child.stderr.on('data', onLine('warn'));
      child.on('error', rej);
      child.on('close', (c) => res(c ?? 1));
    });
    if (code !== 0) throw new Error(`step '${ctx.step}' exited with code ${code}: ${tail.slice(-3).join(' | ')}`);
    for (const [k, p] of Object.entries(outs)) {
      try { statSync(p); } catch { throw new Error(`step '${ctx.step}' did not write its declared output '${k}' (${p}).`); }
      await run.logArtifact(p, `outputs/${k}/${p.split('/').pop()}`);
      if (p.endsWith('.json')) {
        const j = JSON.parse(readFileSync(p, 'utf8')) as unknown;
        if (j && typeof j === 'object' && !Array.isArray(j)) {
          const nums = Object.fromEntries(Object.entries(j).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;
          if (Object.keys(nums).length) await run.logMetrics(nums);
        }
      }
    }
    return outs;
  },
};

interface YamlOutput { type?: 'artifact' | 'value'; kind?: string; path: string }
interface YamlStep { command: string; inputs?: Record<string, string | number | boolean>; outputs?: Record<string, YamlOutput> }

/**
 * Reads the scheduler's YAML form (`steps: { name: { command, inputs: { x: steps.a.outputs.b },
 * outputs: { y: { type, kind, path } } } }`) into steps for `runStepsInOrder`, run with the YAML
 * file's folder as the working directory (so `python3 train.py` finds the script beside it).
 * A `type: value` output is a JSON file whose content becomes the output.
 */
export function loadCommandPipeline(file: string, overrides: Record<string, string | number | boolean> = {}): { name: string; steps: PlannedStep[] } {
  const doc = parse(readFileSync(file, 'utf8')) as { name?: string; params?: Record<string, string | number | boolean>; steps?: Record<string, YamlStep> };
  if (!doc?.name || !doc.steps || typeof doc.steps !== 'object' || Array.isArray(doc.steps) || !Object.keys(doc.steps).length) {
    throw new InvalidParameter(`${file}: expected 'name' and a 'steps' map (name: { command, inputs, outputs }).`);
  }
  const cwd = dirname(resolve(file));
  const params = { ...(doc.params ?? {}), ...overrides };
  const seen = new Map<string, Record<string, YamlOutput>>();
  const steps: PlannedStep[] = Object.entries(doc.steps).map(([name, s]) => {
    const at = `${file}: steps.${name}`;
    if (!s || typeof s.command !== 'string') throw new InvalidParameter(`${at}: needs a 'command'.`);
    const refs: Record<string, { step: string; output: string } | string> = {};
    for (const [k, v] of Object.entries(s.inputs ?? {})) {
      const m = typeof v === 'string' ? /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(v) : null;
      if (m) {
        if (!seen.has(m[1]!)) throw new InvalidParameter(`${at}.inputs.${k}: no earlier step '${m[1]}'.`);
        if (!(m[2]! in seen.get(m[1]!)!)) throw new InvalidParameter(`${at}.inputs.${k}: step '${m[1]}' has no output '${m[2]}'.`);
        refs[k] = { step: m[1]!, output: m[2]! };
      } else refs[k] = String(v);
    }
    seen.set(name, s.outputs ?? {});
    // Only the params the command uses: changing another step's param must not miss this one's cache.
    const used = Object.fromEntries([...s.command.matchAll(/\{\{\s*params\.([\w-]+)\s*\}\}/g)].map((m) => {
      if (!(m[1]! in params)) throw new InvalidParameter(`${at}: command uses {{params.${m[1]}}} but 'params' has no '${m[1]}'.`);
      return [m[1]!, params[m[1]!]!];
    }));
    const outputs = Object.fromEntries(Object.entries(s.outputs ?? {}).map(([k, o]) => [k, o.path]));
    const values = Object.entries(s.outputs ?? {}).filter(([, o]) => o.type === 'value').map(([k]) => k);
    return {
      name,
      step: values.length ? { ...commandStep, run: async (i, ctx) => {
        const out: Record<string, unknown> = await commandStep.run(i, ctx);
        for (const k of values) out[k] = JSON.parse(readFileSync(String(out[k]), 'utf8'));
        return out as Record<string, string>;
      } } : commandStep,
      inputs: (outs) => ({
        command: s.command, cwd, params: used, outputs,
        inputs: Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, typeof r === 'string' ? r : String(outs[r.step]![r.output])])),
      }),
    };
  });
  return { name: doc.name, steps };
}
