import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sha256OfFile } from '../artifacts/index.js';
import type { Run } from '../tracking/entities.js';
import { DIFF_ARTIFACT, TAGS } from './capture/run-context.js';
import { readGitState } from './capture/git-state.js';
import { lockfileDigests } from './capture/lockfiles.js';
import type { Connection } from './connect.js';

export interface ReproductionCheck {
  what: string;
  recorded?: string;
  current?: string;
  ok: boolean;
}

export interface ReproductionPlan {
  runId: string;
  commit?: string;
  branch?: string;
  remote?: string;
  dirtyAtStart: boolean;
  diff?: string;
  seed?: string;
  entryPoint?: string;
  argv?: string[];
  checks: ReproductionCheck[];
  /** Shell steps that redo the run from a clean checkout. */
  steps: string[];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What is needed to redo a run, and how the machine here compares: the commit and whether the
 * working tree matches it (with the run's uncommitted diff), the lockfile digests, the seed, and
 * the dataset files' digests against the files present now.
 */
export async function planReproduction(conn: Connection, run: Run, cwd = process.cwd()): Promise<ReproductionPlan> {
  const tag = (k: string) => run.data.tags.find((t) => t.key === k)?.value;
  const checks: ReproductionCheck[] = [];
  const commit = tag(TAGS.commit);
  const dirtyAtStart = tag(TAGS.dirty) === 'true';
  let diff: string | undefined;
  if (dirtyAtStart) {
    try {
      diff = await readAll(await conn.artifacts.download(run.info.artifact_uri, DIFF_ARTIFACT));
    } catch {
      checks.push({ what: 'uncommitted diff artifact', recorded: DIFF_ARTIFACT, current: 'missing', ok: false });
    }
  }
  const here = readGitState(cwd);
  if (commit) {
    checks.push({ what: 'git commit', recorded: commit, current: here?.commit ?? 'not a git work tree', ok: here?.commit === commit });
    const treeOk = here ? (dirtyAtStart ? here.dirty && here.diff === (diff ?? '') : !here.dirty) : false;
    checks.push({
      what: 'working tree',
      recorded: dirtyAtStart ? 'commit + uncommitted diff' : 'clean',
      current: !here ? 'not a git work tree' : here.dirty ? (treeOk ? 'same uncommitted diff' : 'different uncommitted changes') : 'clean',
      ok: treeOk,
    });
  }
  const recordedLocks = run.data.tags.filter((t) => t.key.startsWith(TAGS.lockfilePrefix));
  const currentLocks = lockfileDigests(here?.root ?? cwd);
  for (const t of recordedLocks) {
    const name = t.key.slice(TAGS.lockfilePrefix.length);
    checks.push({ what: `lockfile ${name}`, recorded: t.value, current: currentLocks[name] ?? 'missing', ok: currentLocks[name] === t.value });
  }
  for (const input of run.inputs.dataset_inputs) {
    const d = input.dataset;
    let path: string | undefined;
    let sha: string | undefined;
    try {
      path = (JSON.parse(d.source) as { uri?: string }).uri;
      sha = (JSON.parse(d.profile ?? '{}') as { sha256?: string }).sha256;
    } catch {
      /* not ours: compare by MLflow digest only */
    }
    const label = `dataset ${d.name}${input.tags.length ? ` (${input.tags.map((x) => x.value).join(', ')})` : ''}`;
    if (!path || !existsSync(path)) {
      checks.push({ what: label, recorded: sha ?? d.digest, current: path ? `missing: ${path}` : 'no local source', ok: false });
      continue;
    }
    const current = (await sha256OfFile(path)).sha256;
    checks.push({ what: label, recorded: sha ?? d.digest, current, ok: sha ? current === sha : current.startsWith(d.digest) });
  }
  const seed = tag(TAGS.seed);
  const entryPoint = tag(TAGS.sourceName);
  let argv: string[] | undefined;
  try {
    argv = tag(TAGS.argv) ? (JSON.parse(tag(TAGS.argv)!) as string[]) : undefined;
  } catch {
    argv = undefined;
  }
  const steps: string[] = [];
  if (commit) steps.push(`git checkout ${commit}`);
  if (diff) steps.push(`trainyard runs reproduce ${run.info.run_id} --write-diff run.diff && git apply run.diff`);
  if (Object.keys(currentLocks).includes('package-lock.json') || recordedLocks.some((t) => t.key.endsWith('package-lock.json'))) steps.push('npm ci');
  if (entryPoint) steps.push(`${seed ? `TRAINYARD_SEED=${seed} ` : ''}${entryRunner(entryPoint)} ${join(entryPoint)}${argv?.length ? ' ' + argv.map((a) => JSON.stringify(a)).join(' ') : ''}`);
  return { runId: run.info.run_id, commit, branch: tag(TAGS.branch), remote: tag(TAGS.remote), dirtyAtStart, diff, seed, entryPoint, argv, checks, steps };
}

/** The command that runs an entry point: plain node refuses .ts/.mts/.cts (ERR_UNKNOWN_FILE_EXTENSION), and tsx ships with Trainyard. */
export function entryRunner(entryPoint: string): string {
  return /\.[mc]?tsx?$/.test(entryPoint) ? 'npx tsx' : 'node';
}
