/**
 * @module One attempt of one command step as a batch/v1 Job. The scheduler owns retries, so the
 * Job never retries (backoffLimit 0, restartPolicy Never); the step's timeout is the Job's
 * activeDeadlineSeconds (the scheduler also deletes the Job when its own timer fires); finished
 * Jobs are garbage-collected after ttlSecondsAfterFinished. The attempt's workdir path exists in
 * the pod (an emptyDir, or the shared claim that holds the scheduler's home), so `{{outputs.x}}`
 * means the same file on both sides; value outputs come back on stdout (see job-outputs.ts).
 */
import { createHash } from 'node:crypto';
import type { StepTask } from '../executor.js';
import { wrapCommand } from './job-outputs.js';
import { validateJob, type JobManifest } from './job-schema.js';

export interface JobTarget {
  namespace: string;
  /** Image for steps without `kubernetes.image`. */
  image?: string;
  /** The Trainyard server as the pods reach it (TRAINYARD_URI / MLFLOW_TRACKING_URI in the pod). */
  trainyardUri?: string;
  ttlSecondsAfterFinished: number;
  /** A ReadWriteMany claim holding the scheduler's home, mounted at the same path in the pod. */
  sharedClaim?: { claimName: string; mountPath: string };
}

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  run: 'trainyard.dev/pipeline-run',
  step: 'trainyard.dev/pipeline-step',
  item: 'trainyard.dev/pipeline-item',
  attempt: 'trainyard.dev/attempt',
  job: 'trainyard.dev/job',
} as const;

/** A label value from free text: <= 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** `ty-<step>-<item>-a<attempt>-<hash>`: a DNS-1123 label, unique per task id even when the step name is cut. */
export function jobName(task: StepTask): string {
  const hash = createHash('sha256').update(task.id).digest('hex').slice(0, 8);
  const step = task.step.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '') || 'step';
  const tail = `${task.itemIndex !== undefined ? `-${task.itemIndex}` : ''}-a${task.attempt}-${hash}`;
  return `ty-${step.slice(0, 63 - 3 - tail.length).replace(/-$/, '')}${tail}`;
}

export function toStepJob(task: StepTask, t: JobTarget): JobManifest {
  if (task.kind !== 'command') throw new Error(`Step '${task.step}' is a TypeScript or launch step: the kubernetes executor runs command steps; run it with --executor local.`);
  const image = task.kubernetes?.image ?? t.image;
  if (!image) throw new Error(`Step '${task.step}' has no image: set kubernetes.image on the step or TRAINYARD_K8S_IMAGE.`);
  const artifactOut = Object.entries(task.outputs).filter(([, o]) => o.type === 'artifact').map(([n]) => n);
  if (artifactOut.length && !t.sharedClaim) throw new Error(`Step '${task.step}' writes artifact output${artifactOut.length > 1 ? 's' : ''} ${artifactOut.map((n) => `'${n}'`).join(', ')}: on Kubernetes that needs a shared volume (TRAINYARD_K8S_SHARED_PVC and TRAINYARD_K8S_SHARED_MOUNT, the scheduler's home on a ReadWriteMany claim).`);
  if (t.sharedClaim && !task.workdir.startsWith(t.sharedClaim.mountPath.replace(/\/?$/, '/'))) throw new Error(`Step '${task.step}': its workdir ${task.workdir} is not under TRAINYARD_K8S_SHARED_MOUNT (${t.sharedClaim.mountPath}); mount the scheduler's home there.`);
  const name = jobName(task);
  const labels: Record<string, string> = {
    [LABELS.managedBy]: 'trainyard',
    [LABELS.run]: labelValue(task.pipelineRunId),
    [LABELS.step]: labelValue(task.step),
    [LABELS.attempt]: String(task.attempt),
    ...(task.itemIndex !== undefined ? { [LABELS.item]: String(task.itemIndex) } : {}),
  };
  const env: Record<string, string> = {
    ...task.env,
    TRAINYARD_STEP_WORKDIR: task.workdir,
    ...(t.trainyardUri ? { TRAINYARD_URI: t.trainyardUri, MLFLOW_TRACKING_URI: t.trainyardUri } : {}),
  };
  const volume = t.sharedClaim ? { name: 'trainyard-home', persistentVolumeClaim: { claimName: t.sharedClaim.claimName } } : { name: 'workdir', emptyDir: {} as Record<string, never> };
  const mountPath = t.sharedClaim ? t.sharedClaim.mountPath : task.workdir;
  const k = task.kubernetes ?? {};
  const manifest: JobManifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: t.namespace, labels, annotations: { 'trainyard.dev/task-id': task.id, 'trainyard.dev/pipeline': task.pipeline } },
    spec: {
      backoffLimit: 0,
      ...(task.timeoutMs !== undefined ? { activeDeadlineSeconds: Math.max(1, Math.ceil(task.timeoutMs / 1000)) } : {}),
      ttlSecondsAfterFinished: t.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { ...labels, [LABELS.job]: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'step',
              image,
              command: ['/bin/sh', '-c', wrapCommand(task.command!.shell, task.outputs, task.workdir)],
              env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
              ...(k.workingDir ? { workingDir: k.workingDir } : {}),
              ...(k.resources ? { resources: k.resources } : {}),
              volumeMounts: [{ name: volume.name, mountPath }],
            },
          ],
          volumes: [volume],
          ...(k.nodeSelector ? { nodeSelector: k.nodeSelector } : {}),
          ...(k.serviceAccountName ? { serviceAccountName: k.serviceAccountName } : {}),
        },
      },
    },
  };
  return validateJob(manifest);
}
