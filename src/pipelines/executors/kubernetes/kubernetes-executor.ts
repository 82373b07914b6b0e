/**
 * @module The `kubernetes` executor: each attempt of a command step is a batch/v1 Job (see
 * job-manifest.ts), created with @kubernetes/client-node from the user's kubeconfig, watched to
 * its Complete or Failed condition (read, then a watch from that resourceVersion; when a watch
 * drops, read again and re-watch), its pod's log fetched into the step log, and deleted (with its
 * pods) on cancel, on timeout, and by `reclaim` after a server restart.
 */
import { BatchV1Api, CoreV1Api, Watch, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { Executor, OrphanTask, OutputValue, StepOutcome, StepTask, TaskEvents, TaskHandle } from '../executor.js';
import { collectOutputs } from '../local/local-executor.js';
import { jobName, LABELS, toStepJob, type JobTarget } from './job-manifest.js';
import { readOutputs } from './job-outputs.js';

export interface KubernetesExecutorOptions {
  /** Between a dropped watch and the next read (default 2000 ms). */
  rewatchMs?: number;
  /** The most of a pod's log fetched into the step log (default 8 MB, the step log's own cap). */
  logLimitBytes?: number;
}

interface JobEnd {
  type: 'Complete' | 'Failed';
  reason?: string;
  message?: string;
}

const HOST_PREFIX = 'kubernetes:';

function jobEnd(job: V1Job | undefined): JobEnd | undefined {
  const c = (job?.status?.conditions ?? []).find((x) => x.status === 'True' && (x.type === 'Complete' || x.type === 'Failed'));
  return c ? { type: c.type as JobEnd['type'], ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) } : undefined;
}

function apiMessage(e: unknown): string {
  const err = e as { code?: number; body?: unknown; message?: string };
  let msg = err.message ?? String(e);
  try {
    const b = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    if (b && typeof b === 'object' && typeof (b as { message?: unknown }).message === 'string') msg = (b as { message: string }).message;
  } catch {
    // not JSON: keep the client's message
  }
  return err.code ? `Kubernetes API ${err.code}: ${msg}` : msg;
}

export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes';
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly watch: Watch;
  private readonly stops = new Set<() => void>();

  constructor(
    kc: KubeConfig,
    private readonly target: JobTarget,
    private readonly opts: KubernetesExecutorOptions = {},
  ) {
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.watch = new Watch(kc);
  }

  start(task: StepTask, events: TaskEvents): TaskHandle {
    const ns = this.target.namespace;
    const name = jobName(task);
    let cancelled: string | undefined;
    let created = false;
    let wake: (() => void) | undefined;
    const done = (async (): Promise<StepOutcome> => {
      let manifest;
      try {
        manifest = toStepJob(task, this.target);
      } catch (e) {
        return { status: 'failed', error: (e as Error).message, retryable: false };
      }
      if (cancelled !== undefined) return { status: 'cancelled', reason: cancelled };
      try {
        await this.batch.createNamespacedJob({ namespace: ns, body: manifest as V1Job });
      } catch (e) {
        if ((e as { code?: number }).code === 409) return { status: 'failed', error: `A Job named ${ns}/${name} already exists (a previous server's attempt?): delete it with kubectl delete job -n ${ns} ${name}.`, retryable: true };
        return { status: 'failed', error: `could not create Job ${ns}/${name}: ${apiMessage(e)}`, retryable: true };
      }
      created = true;
      events.started({ host: `${HOST_PREFIX}${ns}/${name}` });
      events.log('system', `Job ${ns}/${name} created (image ${manifest.spec.template.spec.containers[0]!.image})`);
      if (cancelled !== undefined) return this.cancelJob(name, cancelled);
      let end: JobEnd | undefined;
      try {
        end = await this.waitForJob(name, () => cancelled !== undefined, (w) => (wake = w));
      } catch (e) {
        if (cancelled === undefined) return { status: 'failed', error: `lost Job ${ns}/${name}: ${apiMessage(e)}`, retryable: true };
      }
      if (cancelled !== undefined || !end) return this.cancelJob(name, cancelled ?? 'executor closed');
      const pod = await this.podOf(name).catch(() => undefined);
      const exitCode = pod?.status?.containerStatuses?.find((c) => c.name === 'step')?.state?.terminated?.exitCode;
      let values: Record<string, string> = {};
      if (pod?.metadata?.name) {
        try {
          const log = await this.core.readNamespacedPodLog({ name: pod.metadata.name, namespace: ns, container: 'step', limitBytes: this.opts.logLimitBytes ?? 8 * 1024 * 1024 });
          const parsed = readOutputs(typeof log === 'string' ? log : String(log ?? ''));
          for (const l of parsed.lines) events.log('stdout', l);
          values = parsed.values;
        } catch (e) {
          events.log('system', `could not fetch the log of pod ${pod.metadata.name}: ${apiMessage(e)}`);
        }
      } else events.log('system', `no pod found for Job ${ns}/${name} (its log is gone)`);
      if (end.type === 'Failed') {
        if (end.reason === 'DeadlineExceeded') return { status: 'failed', error: `Job ${name} passed its activeDeadlineSeconds (the step's timeout)`, retryable: true };
        const why = exitCode !== undefined ? `exited with code ${exitCode}` : `${end.reason ?? 'Failed'}${end.message ? `: ${end.message}` : ''}`;
        return { status: 'failed', error: why, retryable: true, ...(exitCode !== undefined ? { exitCode } : {}) };
      }
      try {
        return { status: 'succeeded', outputs: await this.outputsOf(task, values) };
      } catch (e) {
        return { status: 'failed', error: (e as Error).message, retryable: false };
      }
    })();
    return {
      done,
      cancel: async (reason) => {
        if (cancelled !== undefined) return;
        cancelled = reason;
        wake?.();
        if (created) await this.deleteJob(name);
      },
    };
  }

  /** Value outputs from the log's marker lines; with the shared claim, everything from the workdir. */
  private async outputsOf(task: StepTask, values: Record<string, string>): Promise<Record<string, OutputValue>> {
    if (this.target.sharedClaim) return collectOutputs(task);
    const out: Record<string, OutputValue> = {};
    for (const [n, o] of Object.entries(task.outputs)) {
      const text = values[n];
      if (text === undefined) throw new Error(`Step '${task.step}' exited 0 but did not write its declared output '${n}' at ${o.path ?? n}: write it to {{outputs.${n}}}.`);
      try {
        out[n] = JSON.parse(text);
      } catch {
        out[n] = text.trim();
      }
    }
    return out;
  }

  private async cancelJob(name: string, reason: string): Promise<StepOutcome> {
    await this.deleteJob(name);
    return { status: 'cancelled', reason };
  }

  /** Deletes the Job and (Background propagation) its pods; a Job already gone is fine. */
  private async deleteJob(name: string, namespace = this.target.namespace): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw new Error(`could not delete Job ${namespace}/${name}: ${apiMessage(e)}`);
    }
  }

  private async podOf(name: string): Promise<V1Pod | undefined> {
    const pods = await this.core.listNamespacedPod({ namespace: this.target.namespace, labelSelector: `${LABELS.job}=${name}` });
    const items = [...(pods.items ?? [])];
    items.sort((a, b) => new Date(a.metadata?.creationTimestamp ?? 0).getTime() - new Date(b.metadata?.creationTimestamp ?? 0).getTime());
    return items.pop();
  }

  /** Read, then watch from that resourceVersion until a final condition; re-read when a watch drops. */
  private async waitForJob(name: string, isCancelled: () => boolean, setWake: (w: () => void) => void): Promise<JobEnd | undefined> {
    const ns = this.target.namespace;
    for (;;) {
      if (isCancelled()) return undefined;
      const job = await this.batch.readNamespacedJob({ name, namespace: ns });
      const now = jobEnd(job);
      if (now) return now;
      const seen = await new Promise<JobEnd | 'dropped' | undefined>((resolve) => {
        let settled = false;
        let ctrl: AbortController | undefined;
        const finish = (v: JobEnd | 'dropped' | undefined) => {
          if (settled) return;
          settled = true;
          this.stops.delete(stop);
          ctrl?.abort();
          resolve(v);
        };
        const stop = () => finish(undefined);
        this.stops.add(stop);
        setWake(stop);
        this.watch
          .watch(
            `/apis/batch/v1/namespaces/${ns}/jobs`,
            { fieldSelector: `metadata.name=${name}`, resourceVersion: job.metadata?.resourceVersion, allowWatchBookmarks: true },
            (phase, obj: V1Job) => {
              if (phase === 'DELETED') return finish({ type: 'Failed', reason: 'Deleted', message: 'the Job was deleted outside Trainyard' });
              const e = jobEnd(obj);
              if (e) finish(e);
            },
            () => finish('dropped'),
          )
          .then(
            (c) => {
              ctrl = c;
              if (settled) c.abort();
            },
            () => finish('dropped'),
          );
      });
      if (seen === undefined) return undefined;
      if (seen !== 'dropped') return seen;
      await new Promise((r) => setTimeout(r, this.opts.rewatchMs ?? 2000));
    }
  }

  async reclaim(orphans: OrphanTask[]): Promise<void> {
    for (const o of orphans) {
      const host = o.info.host;
      if (!host?.startsWith(HOST_PREFIX)) continue;
      const [namespace, name] = host.slice(HOST_PREFIX.length).split('/');
      if (namespace && name) await this.deleteJob(name, namespace).catch(() => {});
    }
  }

  async close(): Promise<void> {
    for (const stop of [...this.stops]) stop();
  }
}
