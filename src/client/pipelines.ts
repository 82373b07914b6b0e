/**
 * @module `ty.pipelines`: run a pipeline from code and follow it, on a server or embedded.
 *
 * @example
 * import { Trainyard } from 'trainyard';
 * import p from './pipeline.js';
 * const ty = new Trainyard();
 * const { run, steps } = await ty.pipelines.run(p, { params: { trials: 50 }, file: new URL('./pipeline.ts', import.meta.url) });
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTypeScript } from '../pipelines/definition/compile-typescript.js';
import { environmentDigest, loadPipelineFile } from '../pipelines/definition/load-pipeline-file.js';
import type { Pipeline } from '../pipelines/definition/pipeline-builder.js';
import type { PipelineSpec } from '../pipelines/definition/spec.js';
import type { RunJson, StepJson } from '../pipelines/service.js';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Connection } from './connect.js';

const API = '/api/v1/pipelines';
const FINAL = ['succeeded', 'failed', 'cancelled'];

export interface PipelineRunOptions {
  params?: Record<string, unknown>;
  executor?: string;
  cache?: boolean;
  /** The file that default-exports `p` (TypeScript steps are re-imported from it). Needed when passing a Pipeline object. */
  file?: string | URL;
  /** Return at once instead of waiting for the end. */
  detach?: boolean;
  /** Called with the run and its steps on every poll while waiting (a live view). */
  onProgress?: (res: { run: RunJson; steps: StepJson[] }) => void;
  /** How often `wait` reads the run (ms, default 200). */
  pollMs?: number;
}

export class Pipelines {
  constructor(private readonly conn: () => Promise<Connection>) {}

  /** Compiles (a Pipeline object, or a .ts/.yaml path), submits, and by default waits for the end. */
  async run(p: Pipeline | string, opts: PipelineRunOptions = {}): Promise<{ run: RunJson; steps: StepJson[] }> {
    const spec = await this.compile(p, opts.file);
    const c = await this.conn();
    const { run } = await c.call<{ run: RunJson }>('POST', `${API}/runs`, { spec, params: opts.params ?? {}, executor: opts.executor ?? 'local', cache: opts.cache ?? true });
    if (opts.detach) return { run, steps: [] };
    return this.wait(run.run_id, opts.pollMs, opts.onProgress);
  }

  async compile(p: Pipeline | string, file?: string | URL): Promise<PipelineSpec> {
    if (typeof p === 'string') return (await loadPipelineFile(p)).spec;
    if (!file) throw new Error("ty.pipelines.run(p): pass { file: new URL('./your-pipeline.ts', import.meta.url) } so the runtime can re-import its TypeScript steps.");
    const path = resolve(file instanceof URL ? fileURLToPath(file) : file);
    return compileTypeScript(p, { file: path, dir: dirname(path), text: readFileSync(path, 'utf8'), lockDigest: environmentDigest(dirname(path)) });
  }

  async get(runId: string): Promise<{ run: RunJson; steps: StepJson[] }> {
    return (await this.conn()).call('GET', `${API}/runs/${encodeURIComponent(runId)}`);
  }

  async wait(runId: string, pollMs = 200, onProgress?: (res: { run: RunJson; steps: StepJson[] }) => void): Promise<{ run: RunJson; steps: StepJson[] }> {
    for (;;) {
      const res = await this.get(runId);
      onProgress?.(res);
      if (FINAL.includes(res.run.status)) return res;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** The last `tail` lines of a step's log (`item` for one map item). */
  async logs(runId: string, step: string, opts: { tail?: number; item?: number } = {}): Promise<string[]> {
    const q: Record<string, unknown> = { step, tail: opts.tail ?? 200 };
    if (opts.item !== undefined) q.item = opts.item;
    return (await (await this.conn()).call<{ lines: string[] }>('GET', `${API}/runs/${encodeURIComponent(runId)}/logs`, q)).lines;
  }

  async list(opts: { pipeline?: string; maxResults?: number } = {}): Promise<RunJson[]> {
    return (await (await this.conn()).call<{ runs: RunJson[] }>('GET', `${API}/runs`, { pipeline: opts.pipeline, max_results: opts.maxResults ?? 50 })).runs;
  }

  async cancel(runId: string): Promise<RunJson> {
    return (await (await this.conn()).call<{ run: RunJson }>('POST', `${API}/runs/${encodeURIComponent(runId)}/cancel`)).run;
  }

  async resume(runId: string, steps?: string[]): Promise<RunJson> {
    return (await (await this.conn()).call<{ run: RunJson }>('POST', `${API}/runs/${encodeURIComponent(runId)}/resume`, steps ? { steps } : {})).run;
  }
}
