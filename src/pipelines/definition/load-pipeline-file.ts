/**
 * @module Reads a pipeline file (`.ts`/`.js` default-exporting a Pipeline, or `.yaml`/`.yml`)
 * and compiles it. TypeScript goes through tsx, as `trainyard tune run objective.ts` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256 } from './canonical-json.js';
import { compileTypeScript } from './compile-typescript.js';
import { compileYaml } from './compile-yaml.js';
import { isPipeline, type Pipeline } from './pipeline-builder.js';
import type { PipelineSpec } from './spec.js';

const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'requirements.txt', 'poetry.lock', 'uv.lock', 'Pipfile.lock', 'environment.yml'];

/** sha256 over the lockfiles in `dir` or its nearest ancestor that has one, plus the Node major version. */
export function environmentDigest(dir: string): string {
  let d = resolve(dir);
  for (;;) {
    const found = LOCKFILES.filter((f) => existsSync(join(d, f)));
    if (found.length > 0) return sha256(found.map((f) => `${f}\0${sha256(readFileSync(join(d, f)))}`).join('\n') + `\nnode${process.versions.node.split('.')[0]}`);
    const up = dirname(d);
    if (up === d) return sha256(`none\nnode${process.versions.node.split('.')[0]}`);
    d = up;
  }
}

const loaded = new Map<string, Pipeline>();

/** Imports a TypeScript pipeline module once per process and returns its default-exported Pipeline. */
export async function importPipeline(file: string): Promise<Pipeline> {
  const path = resolve(file);
  const hit = loaded.get(path);
  if (hit) return hit;
  if (!existsSync(path)) throw new Error(`Pipeline file '${file}' does not exist.`);
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  let p = mod.default;
  if (p && !isPipeline(p) && isPipeline((p as { default?: unknown }).default)) p = (p as { default: unknown }).default;
  if (!isPipeline(p)) throw new Error(`'${file}' must default-export a pipeline: const p = pipeline('name'); ...; export default p;`);
  loaded.set(path, p);
  return p;
}

export async function loadPipelineFile(file: string): Promise<{ spec: PipelineSpec; pipeline?: Pipeline }> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`Pipeline file '${file}' does not exist.`);
  const text = readFileSync(path, 'utf8');
  const dir = dirname(path);
  const lockDigest = environmentDigest(dir);
  if (/\.ya?ml$/i.test(path)) return { spec: compileYaml(text, { file: path, dir, lockDigest }) };
  if (!/\.(m|c)?[jt]s$/i.test(path)) throw new Error(`'${file}': a pipeline file is .ts, .js, .yaml or .yml.`);
  const pipeline = await importPipeline(path);
  return { spec: compileTypeScript(pipeline, { file: path, dir, text, lockDigest }), pipeline };
}
