/**
 * @module Applying a PyTorchJob with @kubernetes/client-node and following it to the end: the
 * operator's conditions (Created, Running, Restarting, Succeeded, Failed) map onto Trainyard's job
 * states. Following polls the object (every `pollMs`), which survives API-server restarts and
 * dropped watches without resume bookkeeping.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { AlreadyExists, InvalidParameter } from '../../core/errors.js';
import type { JobState } from '../recorder.js';
import { validatePyTorchJob, type PyTorchJobManifest } from './pytorchjob-schema.js';

const GROUP = 'kubeflow.org';
const VERSION = 'v1';
const PLURAL = 'pytorchjobs';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The state the newest true condition stands for. */
export function stateOf(status: { conditions?: Condition[] } | undefined): JobState {
  const conds = (status?.conditions ?? []).filter((c) => c.status === 'True');
  const last = conds[conds.length - 1]?.type;
  return ({ Created: 'pending', Running: 'running', Restarting: 'restarting', Succeeded: 'succeeded', Failed: 'failed', Suspended: 'pending' } as Record<string, JobState>)[last ?? ''] ?? 'pending';
}

export interface FollowOptions {
  pollMs?: number;
  onState?: (state: JobState, condition?: Condition) => void;
  signal?: AbortSignal;
}

export async function applyPyTorchJob(kc: KubeConfig, manifest: PyTorchJobManifest): Promise<void> {
  validatePyTorchJob(manifest);
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    await api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: manifest.metadata.namespace, plural: PLURAL, body: manifest });
  } catch (e) {
    const code = (e as { code?: number }).code;
    if (code === 409) throw new AlreadyExists(`PyTorchJob '${manifest.metadata.name}' already exists in namespace '${manifest.metadata.namespace}'; delete it or pick another job name`);
    throw e;
  }
}

/** Polls the job until Succeeded or Failed; resolves the final state and its condition message. */
export async function followPyTorchJob(kc: KubeConfig, namespace: string, name: string, opts: FollowOptions = {}): Promise<{ state: JobState; message?: string }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  let seen: JobState | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw new Error('following cancelled');
    const obj = (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as { status?: { conditions?: Condition[] } };
    const state = stateOf(obj.status);
    const cond = obj.status?.conditions?.filter((c) => c.status === 'True').pop();
    if (state !== seen) {
      seen = state;
      opts.onState?.(state, cond);
    }
    if (state === 'succeeded' || state === 'failed') return { state, message: cond?.message };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
  }
}

/** A KubeConfig for one API server URL (tests, or a proxy such as `kubectl proxy`). */
export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kc;
}

/** Deletes the job and (Background propagation) its pods; one already gone is fine. */
export async function deletePyTorchJob(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    await api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, propagationPolicy: 'Background' });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
}

/**
 * The cluster as kubectl finds it: the first existing file in KUBECONFIG, else ~/.kube/config,
 * else the in-cluster service account. Refuses to guess (client-node would fall back to
 * localhost:8080) when none is there.
 */
export function loadKubeConfig(what: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const home = join(homedir(), '.kube', 'config');
  const file = env.KUBECONFIG?.split(':').find((f) => f && existsSync(f)) ?? (existsSync(home) ? home : undefined);
  if (file) kc.loadFromFile(file);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else throw new InvalidParameter(`${what}: no cluster configured (set KUBECONFIG, create ~/.kube/config, or run inside a cluster).`);
  return kc;
}

/** The namespace of the kubeconfig's current context, if it names one. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace;
}
