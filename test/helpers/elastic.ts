import { afterAll, beforeAll } from 'vitest';
import { useLaunchHome } from './launch.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE, startCli, TORCH_PYTHON, type LaunchProcess } from './launch.js';

/** One node launcher of an elastic job, as its own OS process on this machine. */
export function startNode(url: string, home: string, jobId: string, name: string, extra: string[], trainArgs: string[]): LaunchProcess {
  return startCli(['node', 'join', '--server', url, '--job-id', jobId, '--node-name', name, '--addr', '127.0.0.1', '--python', TORCH_PYTHON, ...extra, EXAMPLE, ...trainArgs], home);
}

export interface Round {
  round: number;
  nodes: string[];
  world_size: number;
  master: string;
  restart_count: number;
}

export async function rendezvous(url: string, jobId: string): Promise<any> {
  const res = await fetch(`${url}/api/v1/rendezvous/${jobId}`);
  if (res.status === 404) return undefined;
  return ((await res.json()) as { rendezvous: any }).rendezvous;
}

export async function rounds(url: string, jobId: string): Promise<Round[]> {
  const r = await rendezvous(url, jobId);
  return (r?.history ?? []).filter((h: any) => h.kind === 'round').map((h: any) => ({ round: h.round, ...h.detail }));
}

/** A node's rank log for one round ('' before it exists). */
export function nodeLog(home: string, jobId: string, node: string, round: number, rank: number): string {
  try {
    return readFileSync(join(home, 'launch', jobId, 'nodes', node, `round-${round}`, `rank-${rank}.stdout.log`), 'utf8');
  } catch {
    return '';
  }
}

/** Polls an async condition (waitFor in launch.ts takes a sync one). */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a rank of a node has reported a completed step in a round (its heartbeat file). */
export function rankStepped(home: string, jobId: string, node: string, round: number, rank: number): boolean {
  try {
    return JSON.parse(readFileSync(join(home, 'launch', jobId, 'nodes', node, `round-${round}`, `rank-${rank}.beat.json`), 'utf8')).steps > 0;
  } catch {
    return false;
  }
}

/** The launch home and the server process holding the rendezvous, one per test file. */
export function useRendezvousServer(prefix: string): { home: string; readonly url: string } {
  const { home } = useLaunchHome(prefix);
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await spawnServer([], { TRAINYARD_HOME: home });
  }, 60_000);
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });
  return {
    home,
    get url() {
      if (!server) throw new Error('the rendezvous server has not started');
      return server.url;
    },
  };
}
