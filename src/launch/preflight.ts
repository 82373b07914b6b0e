/**
 * @module Checks made before anything starts, so a typo never burns restarts (torchrun retries a
 * missing script max_restarts times): the script exists, the interpreter runs and imports torch,
 * and this machine can provide the minimum number of nodes.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidParameter } from '../core/errors.js';
import type { LaunchSpec } from './job-spec.js';

export interface PreflightResult {
  torchPath?: string;
  script: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr, error: err && typeof err.code === 'string' ? err : undefined });
    });
  });
}

export async function preflight(spec: LaunchSpec, opts: { elastic?: boolean } = {}): Promise<PreflightResult> {
  if (spec.nnodes.min > 1 && !opts.elastic) {
    throw new InvalidParameter(
      `--nnodes ${spec.nnodes.min}:${spec.nnodes.max} needs ${spec.nnodes.min} nodes to start, but this launcher supervises one machine; use --nnodes 1, or give --server URL to join an elastic rendezvous with nodes on other machines`,
    );
  }
  const cwd = spec.cwd ?? process.cwd();
  const script = resolve(cwd, spec.command[0]!);
  if (!spec.noPython) {
    if (!existsSync(script) || !statSync(script).isFile()) throw new InvalidParameter(`training script '${spec.command[0]}' not found (looked at ${script})`);
    // find_spec, not import: importing torch costs 2-3 s here and would delay every launch; a
    // torch that is found but broken still fails the first attempt with its traceback.
    const probe = await run(spec.python, ['-c', "import importlib.util, sys\ns = importlib.util.find_spec('torch')\nif s is None: sys.exit(\"ModuleNotFoundError: No module named 'torch'\")\nprint(s.origin)"], 60_000);
    if (probe.error?.code === 'ENOENT') throw new InvalidParameter(`interpreter '${spec.python}' not found; pass --python /path/to/python with torch installed`);
    if (probe.error) throw new InvalidParameter(`interpreter '${spec.python}' cannot run (${probe.error.code}); pass --python /path/to/python with torch installed`);
    if (probe.code !== 0) {
      const why = /No module named '?torch'?/.test(probe.stderr) ? 'has no torch' : `fails to import torch: ${probe.stderr.trim().split('\n').pop()}`;
      throw new InvalidParameter(`interpreter '${spec.python}' ${why}; pass --python with a Python that has PyTorch (e.g. /usr/bin/python3 after apt-get install python3-torch)`);
    }
    return { torchPath: probe.stdout.trim(), script };
  }
  return { script: spec.command[0]! };
}
