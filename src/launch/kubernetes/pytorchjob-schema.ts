/**
 * @module The shape of a Kubeflow Training Operator `PyTorchJob` (kubeflow.org/v1), written down
 * from the operator's published CRD (kubeflow/training-operator,
 * manifests/base/crds/kubeflow.org_pytorchjobs.yaml, generated from
 * pkg/apis/kubeflow.org/v1/pytorch_types.go and common_types.go) for the fields we write. We
 * validate every manifest against it before it is sent; no cluster runs here to do it for us.
 */
import { z } from 'zod';

const envVar = z.object({ name: z.string().min(1), value: z.string() }).strict();
const container = z
  .object({
    // The operator finds the training container by this name (common_types.go: DefaultContainerName "pytorch").
    name: z.literal('pytorch'),
    image: z.string().min(1),
    command: z.array(z.string()).min(1),
    args: z.array(z.string()).optional(),
    env: z.array(envVar).optional(),
    workingDir: z.string().optional(),
    resources: z.object({ limits: z.record(z.string(), z.string()).optional(), requests: z.record(z.string(), z.string()).optional() }).optional(),
    volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).optional(),
  })
  .passthrough();

const replicaSpec = z
  .object({
    replicas: z.number().int().min(0),
    // common_types.go RestartPolicy: Always, OnFailure, Never, ExitCode.
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never', 'ExitCode']).optional(),
    template: z.object({ metadata: z.object({ labels: z.record(z.string(), z.string()).optional() }).passthrough().optional(), spec: z.object({ containers: z.array(container).min(1), volumes: z.array(z.unknown()).optional() }).passthrough() }),
  })
  .strict();

export const PyTorchJobSchema = z
  .object({
    apiVersion: z.literal('kubeflow.org/v1'),
    kind: z.literal('PyTorchJob'),
    metadata: z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'metadata.name must be a DNS-1123 label'), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }).passthrough(),
    spec: z
      .object({
        // pytorch_types.go ElasticPolicy
        elasticPolicy: z
          .object({
            minReplicas: z.number().int().min(1),
            maxReplicas: z.number().int().min(1),
            rdzvBackend: z.enum(['c10d', 'etcd', 'etcd-v2']).optional(),
            rdzvPort: z.number().int().optional(),
            rdzvHost: z.string().optional(),
            rdzvId: z.string().optional(),
            rdzvConf: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
            standalone: z.boolean().optional(),
            nProcPerNode: z.number().int().min(1).optional(),
            maxRestarts: z.number().int().min(0).optional(),
          })
          .strict()
          .refine((p) => p.minReplicas <= p.maxReplicas, 'elasticPolicy.minReplicas must be <= maxReplicas')
          .optional(),
        // common_types.go RunPolicy
        runPolicy: z
          .object({
            cleanPodPolicy: z.enum(['All', 'Running', 'None']).optional(),
            ttlSecondsAfterFinished: z.number().int().min(0).optional(),
            activeDeadlineSeconds: z.number().int().min(0).optional(),
            backoffLimit: z.number().int().min(0).optional(),
            suspend: z.boolean().optional(),
          })
          .strict()
          .optional(),
        // Replica types: Master, Worker (pytorch_types.go PyTorchJobReplicaTypeMaster/Worker).
        pytorchReplicaSpecs: z.object({ Master: replicaSpec.optional(), Worker: replicaSpec.optional() }).strict(),
        nprocPerNode: z.string().optional(),
      })
      .strict(),
  })
  .passthrough();

export type PyTorchJobManifest = z.infer<typeof PyTorchJobSchema>;

/** Condition types the operator sets on .status.conditions (common_types.go JobConditionType). */
export const CONDITION_TYPES = ['Created', 'Running', 'Restarting', 'Succeeded', 'Suspended', 'Failed'] as const;

export function validatePyTorchJob(m: unknown): PyTorchJobManifest {
  const r = PyTorchJobSchema.safeParse(m);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`PyTorchJob manifest invalid at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
