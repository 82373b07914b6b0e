/**
 * Every example of README.md runs as written, in order, from a user's own project: a fresh
 * `npm init -y` folder with the packed package installed (test/helpers/user-project.ts). The
 * README is split into groups of sections (README_GROUPS), one test file each
 * (test/readme-examples-<group>.slow.test.ts), so vitest runs them side by side; a group has its
 * own project and server, so a block may use files and state from earlier blocks of its own group
 * only. test/readme-blocks.test.ts fails when a section belongs to no group (or to two), so every
 * block is run or skipped with its reason exactly once.
 *
 * The rules for which blocks run, which are files and which are skipped are in
 * test/helpers/readme-blocks.ts. TypeScript blocks run with `npx tsx` as `.mts` files (they use
 * top-level await; the README's "Use it from your project" says so), JavaScript blocks with plain
 * `node` (`.mjs` when they import, `.cjs` when they require), Python blocks with `python3` and the
 * package's client on PYTHONPATH, shell blocks with `bash -e`. A block that talks to
 * 127.0.0.1:5000 gets a `trainyard server` started in the project (on a free port, written into
 * the block in place of 5000, so parallel test runs never collide).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readmeBlocks, type ReadmeBlock } from './readme-blocks.js';
import { freePort } from './server-process.js';
import { createUserProject, packRepository, REPO, userEnv } from './user-project.js';

const BLOCK_TIMEOUT_MS = 300_000;
const SERVER_REF = /\b(?:127\.0\.0\.1|localhost):5000\b/;

/**
 * README sections (`#`/`##` headings, as written) by group. Sections whose blocks use one
 * another's files or state stay in one group: the SDK's `model/` is what the registry registers,
 * the tuning CLI's study is what the Python worker joins, and the second `trainyard demo` is
 * served from the first one's cache.
 */
export const README_GROUPS = {
  tracking: [
    'Trainyard', 'Use it from your project', 'Log your first run', 'TypeScript SDK', 'Model registry',
    'Hyperparameter tuning', 'Artifacts', 'Benchmarks', 'Pipelines: built-in steps and the demo', 'Command line',
  ],
  pipelines: ['Distributed training', 'Elastic training across machines', 'Pipelines', 'Run steps on agents', 'Layout'],
  team: ['Web UI', 'Team server: sign-in and permissions', 'Team server: audit log and hardening'],
} satisfies Record<string, string[]>;

export type ReadmeGroup = keyof typeof README_GROUPS;

export function readmeFile(): string {
  return readFileSync(join(REPO, 'README.md'), 'utf8');
}

/** Defines one test per block of the group's sections, in README order, in one fresh project. */
export function describeReadmeGroup(group: ReadmeGroup): void {
  const sections = new Set<string>(README_GROUPS[group]);
  const blocks = readmeBlocks(readmeFile()).filter((b) => sections.has(b.section));
  describeBlocks(`README.md examples (${group} sections), run as written in a fresh user project`, blocks);
}

function describeBlocks(title: string, blocks: ReadmeBlock[]): void {
describe(title, () => {
  let root = '';
  let project = '';
  let server: { child: ChildProcess; port: number } | undefined;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ty-readme-'));
    // TRAINYARD_README_PROJECT=DIR reuses a project made by an earlier run (for editing the README).
    project = process.env.TRAINYARD_README_PROJECT ?? join(root, 'my-project');
    if (!process.env.TRAINYARD_README_PROJECT) createUserProject(project, packRepository(root));
  }, 600_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      server.child.kill('SIGTERM');
      // A loaded CI machine can take a while to drain; never let tear-down fail the examples.
      const killer = setTimeout(() => server?.child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    if (root) rmSync(root, { recursive: true, force: true });
  }, 120_000);

  async function ensureServer(): Promise<number> {
    if (server) return server.port;
    const port = await freePort();
    const child = spawn(join(project, 'node_modules', '.bin', 'trainyard'), ['server', '--port', String(port)], { cwd: project, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`trainyard server did not start: ${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d;
        if (/listening on http/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`trainyard server exited with ${code}: ${out}`)));
    });
    server = { child, port };
    return port;
  }

  for (const block of blocks) {
    const where = `README.md:${block.line} (${block.lang || 'no language'})`;
    if (block.skip) {
      it.skip(`${where}: skipped: ${block.skip}`, () => {});
      continue;
    }
    if (block.file) {
      it(`${where}: written to ${block.file}`, () => {
        mkdirSync(dirname(join(project, block.file!)), { recursive: true });
        writeFileSync(join(project, block.file!), block.code);
      });
      continue;
    }
    if (!block.kind) continue; // yaml, bare fences: not code the test runs
    it(`${where} runs`, async () => {
      let code = block.code;
      if (SERVER_REF.test(code)) {
        const port = await ensureServer();
        code = code.replace(new RegExp(SERVER_REF.source, 'g'), `127.0.0.1:${port}`);
      }
      const { file, command, args } = howToRun(block, code);
      writeFileSync(join(project, file), code);
      const env = userEnv(block.kind === 'python' ? { PYTHONPATH: join(project, 'node_modules', 'trainyard', 'clients', 'python') } : {});
      const res = await runIn(project, command, args, env, BLOCK_TIMEOUT_MS);
      if (res.code !== 0) {
        throw new Error(`${where} ${res.timedOut ? `did not finish in ${BLOCK_TIMEOUT_MS / 1000} s` : `exited ${res.code}`}:\n${code}\n--- output ---\n${res.output.slice(-6000)}`);
      }
      // curl exits 0 on an HTTP error: an example that prints an API error did not work either.
      if (/"error_code"\s*:/.test(res.output)) throw new Error(`${where} printed an API error:\n${code}\n--- output ---\n${res.output.slice(-6000)}`);
    }, BLOCK_TIMEOUT_MS + 30_000);
  }
});
}

function howToRun(block: ReadmeBlock, code: string): { file: string; command: string; args: string[] } {
  const base = `readme-line-${block.line}`;
  switch (block.kind) {
    case 'ts':
      return { file: `${base}.mts`, command: 'npx', args: ['tsx', `${base}.mts`] };
    case 'js': {
      const file = /^\s*(import|export)\s/m.test(code) ? `${base}.mjs` : `${base}.cjs`;
      return { file, command: 'node', args: [file] };
    }
    case 'python':
      return { file: `${base}.py`, command: 'python3', args: [`${base}.py`] };
    default:
      return { file: `${base}.sh`, command: 'bash', args: ['-e', `${base}.sh`] };
  }
}

/** How long a block's background processes may keep its output open after the block's shell exits. */
const LEFTOVER_GRACE_MS = 10_000;

function runIn(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout also stops whatever the example started.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    // A process the block started in the background (`cmd &`) and did not stop holds the output
    // pipes open, so 'close' would wait for the block's whole timeout (the agents block once took
    // 300 s that way). The block is over when its shell exits: what it left running gets a short
    // grace to finish writing, then is killed with the group, and the output says so.
    let grace: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      grace = setTimeout(() => {
        output += `\n[readme test: processes the block left running were killed ${LEFTOVER_GRACE_MS / 1000} s after it ended]\n`;
        killGroup();
      }, LEFTOVER_GRACE_MS);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(grace);
      resolve({ code, output, timedOut });
    });
  });
}
