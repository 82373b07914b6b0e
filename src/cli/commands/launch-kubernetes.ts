/**
 * @module `trainyard launch --kubernetes`: the same job spec as a local launch, as a Kubeflow
 * PyTorchJob (src/launch/kubernetes), printed (`--dry-run`), or applied with
 * @kubernetes/client-node from the kubeconfig and followed to Succeeded/Failed (`--detach`:
 * apply and return). SIGINT/SIGTERM while following deletes the job with its pods.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { validateSpec, type LaunchInput } from '../../launch/index.js';
import { fail, printJson } from '../output.js';

export interface KubernetesFlags {
  image?: string;
  namespace?: string;
  trackingUri?: string;
  limit: string[];
  dryRun?: boolean;
  detach?: boolean;
  pollInterval: string;
  json?: boolean;
}

/** A DNS-1123 name from the job id, or from the script's name plus a random suffix. */
export function pytorchJobName(jobId: string | undefined, script: string): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (jobId) {
    const n = clean(jobId).slice(0, 63).replace(/-$/, '');
    if (!n) fail(`--job-id '${jobId}' has nothing left of a Kubernetes name (lower-case letters, digits, '-')`, 2);
    return n;
  }
  return `${(clean(basename(script).replace(/\.py$/, '')) || 'job').slice(0, 50)}-${randomBytes(3).toString('hex')}`;
}

export async function launchOnKubernetes(input: LaunchInput, flags: KubernetesFlags, serverUri: string | undefined): Promise<void> {
  if (!flags.image) fail('--kubernetes needs --image IMAGE: the container image with your script and torch', 2);
  const limits: Record<string, string> = {};
  for (const kv of flags.limit) {
    const i = kv.indexOf('=');
    if (i <= 0) fail(`--limit takes RESOURCE=QUANTITY, e.g. cpu=4 or nvidia.com/gpu=1 (got '${kv}')`, 2);
    limits[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const poll = Number(flags.pollInterval);
  if (!Number.isFinite(poll) || poll <= 0) fail(`--poll-interval must be a positive number of seconds (got '${flags.pollInterval}')`, 2);
  const spec = validateSpec(input);
  // @kubernetes/client-node is heavy: only this path loads it.
  const k8s = await import('../../launch/kubernetes/index.js');
  const kc = flags.dryRun ? undefined : k8s.loadKubeConfig('--kubernetes');
  const namespace = flags.namespace ?? (kc ? k8s.contextNamespace(kc) : undefined) ?? 'default';
  const name = pytorchJobName(spec.jobId, spec.command[0]!);
  const trackingUri = flags.trackingUri ?? (serverUri && /^https?:/.test(serverUri) ? serverUri : undefined);
  const manifest = k8s.toPyTorchJob(spec, { name, namespace, image: flags.image!, ...(trackingUri ? { trackingUri } : {}), ...(spec.checkpointDir ? { checkpointDir: spec.checkpointDir } : {}), ...(Object.keys(limits).length ? { resources: { limits } } : {}) });
  if (flags.dryRun) {
    process.stdout.write(flags.json ? JSON.stringify(manifest, null, 2) + '\n' : stringify(manifest));
    return;
  }
  await k8s.applyPyTorchJob(kc!, manifest);
  if (!flags.json) process.stderr.write(`trainyard: PyTorchJob ${namespace}/${name} applied (${spec.nnodes.min}:${spec.nnodes.max} nodes x ${spec.nprocPerNode} processes, image ${flags.image})\n`);
  if (flags.detach) {
    if (flags.json) printJson({ name, namespace, state: 'pending' });
    else process.stdout.write(`${namespace}/${name}\n`);
    return;
  }
  const abort = new AbortController();
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const end = await k8s.followPyTorchJob(kc!, namespace, name, { pollMs: poll * 1000, signal: abort.signal, onState: (s, c) => !flags.json && process.stderr.write(`trainyard: ${name} ${s}${c?.message ? `: ${c.message}` : ''}\n`) });
    if (flags.json) printJson({ name, namespace, ...end });
    else process.stdout.write(`PyTorchJob ${namespace}/${name} ${end.state}${end.message ? `: ${end.message}` : ''}\n`);
    process.exitCode = end.state === 'succeeded' ? 0 : 1;
  } catch (e) {
    if (!signalled) throw e;
    await k8s.deletePyTorchJob(kc!, namespace, name);
    if (flags.json) printJson({ name, namespace, state: 'cancelled' });
    else process.stdout.write(`PyTorchJob ${namespace}/${name} cancelled (deleted with its pods)\n`);
    process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
