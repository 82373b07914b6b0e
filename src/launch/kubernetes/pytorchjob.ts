/**
 * @module The same job spec as `trainyard launch`, as a Kubeflow `PyTorchJob`: one Worker replica
 * per node (elastic between --nnodes MIN and MAX with a c10d rendezvous the operator wires through
 * PET_* variables), torchrun inside each pod with --nproc_per_node, max-restarts as both
 * torchrun's and the job's backoff limit, Trainyard's own variables in every pod.
 */
import type { LaunchSpec } from '../job-spec.js';
import { validatePyTorchJob, type PyTorchJobManifest } from './pytorchjob-schema.js';

export interface KubernetesTarget {
  name: string;
  namespace?: string;
  image: string;
  /** Tracking server the pods report to (an http URL reachable from the cluster). */
  trackingUri?: string;
  /** A mounted volume path shared by the pods for checkpoints. */
  checkpointDir?: string;
  restartPolicy?: 'OnFailure' | 'Never' | 'ExitCode' | 'Always';
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

export function toPyTorchJob(spec: LaunchSpec, t: KubernetesTarget): PyTorchJobManifest {
  const env = [
    { name: 'TRAINYARD_JOB_ID', value: spec.jobId ?? t.name },
    ...(t.trackingUri ? [{ name: 'TRAINYARD_TRACKING_URI', value: t.trackingUri }, { name: 'MLFLOW_TRACKING_URI', value: t.trackingUri }] : []),
    ...(t.checkpointDir ? [{ name: 'TRAINYARD_CHECKPOINT_DIR', value: t.checkpointDir }] : []),
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
  ];
  const [script, ...args] = spec.command;
  const manifest = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: t.name, namespace: t.namespace ?? 'default', labels: { 'app.kubernetes.io/managed-by': 'trainyard', 'trainyard.dev/job-id': spec.jobId ?? t.name } },
    spec: {
      elasticPolicy: { minReplicas: spec.nnodes.min, maxReplicas: spec.nnodes.max, rdzvBackend: 'c10d', rdzvId: spec.jobId ?? t.name, nProcPerNode: spec.nprocPerNode, maxRestarts: spec.maxRestarts },
      runPolicy: { cleanPodPolicy: 'All', backoffLimit: spec.maxRestarts },
      pytorchReplicaSpecs: {
        Worker: {
          replicas: spec.nnodes.max,
          restartPolicy: t.restartPolicy ?? 'OnFailure',
          template: {
            spec: {
              containers: [
                {
                  name: 'pytorch',
                  image: t.image,
                  command: spec.noPython ? [script!] : ['torchrun', `--nproc_per_node=${spec.nprocPerNode}`, `--max_restarts=${spec.maxRestarts}`, script!],
                  args,
                  env,
                  ...(t.resources ? { resources: t.resources } : {}),
                },
              ],
            },
          },
        },
      },
      nprocPerNode: String(spec.nprocPerNode),
    },
  };
  return validatePyTorchJob(manifest);
}
