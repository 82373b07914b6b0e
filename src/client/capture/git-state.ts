import { execFileSync } from 'node:child_process';

export interface GitState {
  commit: string;
  branch?: string;
  remote?: string;
  dirty: boolean;
  /** `git diff HEAD` (tracked changes, staged or not) when dirty. */
  diff: string;
  root: string;
}

function git(cwd: string, args: string[], raw = false): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    // A patch must keep its final newline or `git apply` calls it corrupt.
    return raw ? out : out.trimEnd();
  } catch {
    return undefined;
  }
}

/** The code a run was started from, or undefined outside a git work tree (or without git). */
export function readGitState(cwd = process.cwd()): GitState | undefined {
  const root = git(cwd, ['rev-parse', '--show-toplevel']);
  const commit = root && git(cwd, ['rev-parse', 'HEAD']);
  if (!root || !commit) return undefined;
  const status = git(cwd, ['status', '--porcelain', '--untracked-files=no']) ?? '';
  const diff = status ? (git(cwd, ['diff', 'HEAD', '--binary'], true) ?? '') : '';
  const branch = git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const remote = git(cwd, ['config', '--get', 'remote.origin.url']);
  return { commit, branch: branch && branch !== 'HEAD' ? branch : undefined, remote: remote || undefined, dirty: status.length > 0, diff, root };
}
