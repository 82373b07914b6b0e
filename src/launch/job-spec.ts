/**
 * @module The job spec: what a user asks `trainyard launch` / `ty.launch` / POST /api/v1/jobs for,
 * validated once at the edge. Every message names the flag or field to fix.
 */
import { InvalidParameter } from '../core/errors.js';

export interface NodeRange {
  min: number;
  max: number;
}

export interface LaunchSpec {
  /** Script (or executable with `noPython`) and its arguments. */
  command: string[];
  nprocPerNode: number;
  nnodes: NodeRange;
  maxRestarts: number;
  /** Interpreter that runs the script (default `python3`). */
  python: string;
  noPython: boolean;
  experiment?: string;
  jobId?: string;
  /** Seconds between SIGTERM and SIGKILL when stopping a group (torchrun: 30). */
  graceSeconds: number;
  /** Seconds without a completed step before a started group counts as hung; 0 = off. */
  stallSeconds: number;
  /** Seconds a worker may take to its first step (imports, init_process_group); 0 = off. */
  startupSeconds: number;
  /** Extra environment for every worker; overrides the launcher's (e.g. OMP_NUM_THREADS). */
  env: Record<string, string>;
  /** Run whose latest checkpoint a fresh job starts from. */
  resumeFrom?: string;
  /** Where checkpoints go (default `<home>/launch/<job>/checkpoints`). */
  checkpointDir?: string;
  cwd?: string;
}

export type LaunchInput = Partial<Omit<LaunchSpec, 'nnodes'>> & { command: string[]; nnodes?: NodeRange | string | number };

/** `2`, `1:3` or `{min,max}` as a range; refuses 0 nodes and MIN > MAX. */
export function parseNodeRange(v: NodeRange | string | number | undefined): NodeRange {
  if (v === undefined) return { min: 1, max: 1 };
  let min: number;
  let max: number;
  if (typeof v === 'object') ({ min, max } = v);
  else {
    const m = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(String(v));
    if (!m) throw new InvalidParameter(`--nnodes must be N or MIN:MAX (got '${v}')`);
    min = Number(m[1]);
    max = m[2] === undefined ? min : Number(m[2]);
  }
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1) throw new InvalidParameter(`--nnodes needs at least 1 node (got ${min}:${max})`);
  if (min > max) throw new InvalidParameter(`--nnodes MIN:MAX needs MIN <= MAX (got ${min}:${max})`);
  return { min, max };
}

function int(v: unknown, name: string, min: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new InvalidParameter(`${name} must be a whole number (got '${v}')`);
  if (n < min) throw new InvalidParameter(`${name} must be >= ${min} (got ${n})`);
  return n;
}

function seconds(v: unknown, name: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidParameter(`${name} must be a number of seconds >= 0 (got '${v}')`);
  return n;
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function validateSpec(input: LaunchInput): LaunchSpec {
  if (!Array.isArray(input.command) || input.command.length === 0 || input.command.some((c) => typeof c !== 'string')) {
    throw new InvalidParameter('command must name the training script, e.g. train.py --epochs 5');
  }
  if (input.jobId !== undefined && !JOB_ID.test(input.jobId)) throw new InvalidParameter(`job id '${input.jobId}' must be 1-100 letters, digits, '.', '_' or '-'`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new InvalidParameter(`env name '${k}' is not a valid variable name`);
    env[k] = String(v);
  }
  return {
    command: input.command,
    nprocPerNode: int(input.nprocPerNode, '--nproc-per-node', 1, 1),
    nnodes: parseNodeRange(input.nnodes),
    maxRestarts: int(input.maxRestarts, '--max-restarts', 0, 0),
    python: input.python ?? 'python3',
    noPython: input.noPython ?? false,
    experiment: input.experiment,
    jobId: input.jobId,
    graceSeconds: seconds(input.graceSeconds, '--grace', 30),
    stallSeconds: seconds(input.stallSeconds, '--stall-timeout', 300),
    startupSeconds: seconds(input.startupSeconds, '--startup-timeout', 600),
    env,
    resumeFrom: input.resumeFrom,
    checkpointDir: input.checkpointDir,
    cwd: input.cwd,
  };
}
