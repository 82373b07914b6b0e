/**
 * @module The `kubernetes` pipeline executor (`--executor kubernetes`), registered by name when
 * first used, so @kubernetes/client-node loads only for runs that ask for it. Configuration:
 * the kubeconfig as kubectl finds it (KUBECONFIG, ~/.kube/config, or in-cluster), and
 * TRAINYARD_K8S_NAMESPACE, TRAINYARD_K8S_IMAGE, TRAINYARD_K8S_TRAINYARD_URI (default: the URL of
 * the server the scheduler runs in, from the executor context),
 * TRAINYARD_K8S_TTL_SECONDS, TRAINYARD_K8S_SHARED_PVC + TRAINYARD_K8S_SHARED_MOUNT.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { InvalidParameter } from '../../../core/errors.js';
import { contextNamespace, loadKubeConfig as loadClusterConfig } from '../../../launch/kubernetes/index.js';
import { registerExecutor } from '../registry.js';
import { KubernetesExecutor } from './kubernetes-executor.js';
import type { JobTarget } from './job-manifest.js';

export { KubernetesExecutor, type KubernetesExecutorOptions } from './kubernetes-executor.js';
export { toStepJob, jobName, labelValue, LABELS, type JobTarget } from './job-manifest.js';
export { validateJob, structuralProblems, type JobManifest } from './job-schema.js';
export { wrapCommand, readOutputs } from './job-outputs.js';

/** The cluster as kubectl would reach it (the launch domain's loader: one rule for both). */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  return loadClusterConfig('--executor kubernetes', env);
}

export function jobTargetFromEnv(kc: KubeConfig, env: NodeJS.ProcessEnv = process.env, serverUrl?: string): JobTarget {
  const ctxNs = contextNamespace(kc);
  const ttl = env.TRAINYARD_K8S_TTL_SECONDS !== undefined ? Number(env.TRAINYARD_K8S_TTL_SECONDS) : 3600;
  if (!Number.isInteger(ttl) || ttl < 0) throw new InvalidParameter(`TRAINYARD_K8S_TTL_SECONDS must be an integer >= 0 (got '${env.TRAINYARD_K8S_TTL_SECONDS}').`);
  if (!!env.TRAINYARD_K8S_SHARED_PVC !== !!env.TRAINYARD_K8S_SHARED_MOUNT) throw new InvalidParameter('TRAINYARD_K8S_SHARED_PVC and TRAINYARD_K8S_SHARED_MOUNT go together: the claim, and where the scheduler\'s home is on it.');
  const uri = env.TRAINYARD_K8S_TRAINYARD_URI || serverUrl;
  return {
    namespace: env.TRAINYARD_K8S_NAMESPACE || ctxNs || 'default',
    ...(env.TRAINYARD_K8S_IMAGE ? { image: env.TRAINYARD_K8S_IMAGE } : {}),
    ...(uri ? { trainyardUri: uri } : {}),
    ttlSecondsAfterFinished: ttl,
    ...(env.TRAINYARD_K8S_SHARED_PVC ? { sharedClaim: { claimName: env.TRAINYARD_K8S_SHARED_PVC, mountPath: env.TRAINYARD_K8S_SHARED_MOUNT! } } : {}),
  };
}

registerExecutor('kubernetes', (ctx, options) => {
  const kc = loadKubeConfig();
  return new KubernetesExecutor(kc, jobTargetFromEnv(kc, process.env, ctx.serverUrl), options as { rewatchMs?: number });
});
