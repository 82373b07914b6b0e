import { cpus, platform, release, totalmem, arch } from 'node:os';
import { relative } from 'node:path';
import type { KeyValue } from '../../tracking/entities.js';
import { readGitState, type GitState } from './git-state.js';
import { lockfileDigests } from './lockfiles.js';

/** What to capture at run start; everything is on unless switched off. */
export interface CaptureOptions {
  git?: boolean;
  /** Upload the uncommitted diff as the artifact `trainyard/git.diff` (needs `git`). */
  gitDiff?: boolean;
  entryPoint?: boolean;
  environment?: boolean;
  lockfiles?: boolean;
}

/** Tag names, shared with `trainyard runs reproduce`. MLflow's own where one exists. */
export const TAGS = {
  commit: 'mlflow.source.git.commit',
  branch: 'mlflow.source.git.branch',
  remote: 'mlflow.source.git.repoURL',
  dirty: 'trainyard.git.dirty',
  gitRoot: 'trainyard.git.root',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  argv: 'trainyard.argv',
  node: 'trainyard.env.node',
  os: 'trainyard.env.os',
  cpu: 'trainyard.env.cpu',
  memory: 'trainyard.env.memory_bytes',
  lockfilePrefix: 'trainyard.lockfile.',
  seed: 'trainyard.seed',
  user: 'mlflow.user',
} as const;

export const DIFF_ARTIFACT = 'trainyard/git.diff';

export interface RunContext {
  tags: KeyValue[];
  git?: GitState;
}

/** The tags describing where and how a run was started. */
export function captureRunContext(opts: CaptureOptions = {}, cwd = process.cwd()): RunContext {
  const tags: KeyValue[] = [];
  const on = (k: keyof CaptureOptions) => opts[k] !== false;
  let git: GitState | undefined;
  if (on('git')) {
    git = readGitState(cwd);
    if (git) {
      tags.push({ key: TAGS.commit, value: git.commit }, { key: TAGS.dirty, value: String(git.dirty) }, { key: TAGS.gitRoot, value: git.root });
      if (git.branch) tags.push({ key: TAGS.branch, value: git.branch });
      if (git.remote) tags.push({ key: TAGS.remote, value: git.remote });
    }
  }
  if (on('entryPoint')) {
    const script = process.argv[1];
    if (script) tags.push({ key: TAGS.sourceName, value: git ? relative(git.root, script) || script : script });
    tags.push({ key: TAGS.sourceType, value: 'LOCAL' }, { key: TAGS.argv, value: JSON.stringify(process.argv.slice(2)).slice(0, 8000) });
  }
  if (on('environment')) {
    const cpu = cpus();
    tags.push(
      { key: TAGS.node, value: process.version },
      { key: TAGS.os, value: `${platform()} ${release()} ${arch()}` },
      { key: TAGS.cpu, value: `${cpu.length} x ${cpu[0]?.model ?? 'unknown'}` },
      { key: TAGS.memory, value: String(totalmem()) },
    );
  }
  if (on('lockfiles')) {
    for (const [name, digest] of Object.entries(lockfileDigests(git?.root ?? cwd))) tags.push({ key: TAGS.lockfilePrefix + name, value: digest });
  }
  return { tags, git };
}
