/**
 * @module Checking a batch/v1 Job manifest before it is sent, since no cluster runs here to refuse
 * it for us. Two layers: (1) the structure against the published API types, as
 * @kubernetes/client-node generates them from the Kubernetes OpenAPI document (every field we
 * write must exist in V1Job / V1JobSpec / V1PodSpec / V1Container ... with the right primitive
 * type: a misspelled or misplaced field fails here rather than being dropped by the API server);
 * (2) the rules the API server's validation applies to what we set (DNS-1123 names, label
 * syntax, a Job pod's restartPolicy, non-negative limits).
 */
import * as k8s from '@kubernetes/client-node';

type AttributeMap = { baseName: string; type: string }[];

function modelOf(type: string): { getAttributeTypeMap(): AttributeMap } | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[type];
  return m && typeof (m as { getAttributeTypeMap?: unknown }).getAttributeTypeMap === 'function' ? (m as { getAttributeTypeMap(): AttributeMap }) : undefined;
}

/** The paths of values that do not fit the published type `type` (empty: it fits). */
export function structuralProblems(value: unknown, type: string, path = ''): string[] {
  if (value === undefined || value === null) return [];
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return Array.isArray(value) ? value.flatMap((v, i) => structuralProblems(v, arr[1]!, `${path}[${i}]`)) : [`${path}: expected a list (${type})`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as object).flatMap(([k, v]) => structuralProblems(v, map[1]!, `${path}.${k}`)) : [`${path}: expected a map (${type})`];
  if (type === 'string') return typeof value === 'string' ? [] : [`${path}: expected a string`];
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: expected a number`];
  if (type === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
  if (type === 'any' || type === 'object' || type === 'IntOrString' || type === 'Date') return [];
  const model = modelOf(type);
  if (!model) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path || '(root)'}: expected an object (${type})`];
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as object)) {
    const t = fields.get(k);
    if (!t) out.push(`${path ? `${path}.` : ''}${k}: not a field of ${type}`);
    else out.push(...structuralProblems(v, t, `${path ? `${path}.` : ''}${k}`));
  }
  return out;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export interface JobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        restartPolicy: 'Never' | 'OnFailure';
        containers: { name: string; image: string; command: string[]; env: { name: string; value: string }[]; workingDir?: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; volumeMounts?: { name: string; mountPath: string }[] }[];
        volumes?: ({ name: string; emptyDir: Record<string, never> } | { name: string; persistentVolumeClaim: { claimName: string } })[];
        nodeSelector?: Record<string, string>;
        serviceAccountName?: string;
      };
    };
  };
}

function labelProblems(labels: Record<string, string> | undefined, where: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(k) || k.split('/').pop()!.length > 63) out.push(`${where}.${k}: not a valid label key`);
    if (v.length > 63 || !LABEL_VALUE.test(v)) out.push(`${where}.${k}: label value '${v}' must be <= 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`);
  }
  return out;
}

/** Throws with every problem found, naming the field; returns the manifest when it is valid. */
export function validateJob(m: JobManifest): JobManifest {
  const problems = structuralProblems(m, 'V1Job');
  if (m.apiVersion !== 'batch/v1' || m.kind !== 'Job') problems.push('apiVersion/kind: must be batch/v1 Job');
  // A Job's name becomes its pods' `job-name` label value: a DNS-1123 label of at most 63 characters.
  if (!DNS1123_LABEL.test(m.metadata?.name ?? '') || m.metadata.name.length > 63) problems.push(`metadata.name: '${m.metadata?.name}' must be a DNS-1123 label (lower-case alphanumerics and '-', at most 63)`);
  if (!m.metadata?.namespace || !DNS1123_LABEL.test(m.metadata.namespace)) problems.push(`metadata.namespace: '${m.metadata?.namespace}' must be a DNS-1123 label`);
  problems.push(...labelProblems(m.metadata?.labels, 'metadata.labels'), ...labelProblems(m.spec?.template?.metadata?.labels, 'spec.template.metadata.labels'));
  const s = m.spec;
  if (!Number.isInteger(s?.backoffLimit) || s.backoffLimit < 0) problems.push('spec.backoffLimit: must be an integer >= 0');
  if (s?.activeDeadlineSeconds !== undefined && (!Number.isInteger(s.activeDeadlineSeconds) || s.activeDeadlineSeconds < 1)) problems.push('spec.activeDeadlineSeconds: must be an integer >= 1');
  if (s?.ttlSecondsAfterFinished !== undefined && (!Number.isInteger(s.ttlSecondsAfterFinished) || s.ttlSecondsAfterFinished < 0)) problems.push('spec.ttlSecondsAfterFinished: must be an integer >= 0');
  const pod = s?.template?.spec;
  // batch/v1 validation: a Job's pod template may only use Never or OnFailure.
  if (pod && pod.restartPolicy !== 'Never' && pod.restartPolicy !== 'OnFailure') problems.push(`spec.template.spec.restartPolicy: '${pod.restartPolicy}' must be Never or OnFailure for a Job`);
  if (!pod?.containers?.length) problems.push('spec.template.spec.containers: at least one container');
  for (const [i, c] of (pod?.containers ?? []).entries()) {
    if (!DNS1123_LABEL.test(c.name ?? '')) problems.push(`spec.template.spec.containers[${i}].name: must be a DNS-1123 label`);
    if (!c.image) problems.push(`spec.template.spec.containers[${i}].image: required`);
    if (!c.command?.length) problems.push(`spec.template.spec.containers[${i}].command: required`);
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    for (const vm of c.volumeMounts ?? []) if (!volumes.has(vm.name)) problems.push(`spec.template.spec.containers[${i}].volumeMounts.${vm.name}: no such volume`);
    for (const e of c.env ?? []) if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) problems.push(`spec.template.spec.containers[${i}].env.${e.name}: not a valid environment variable name`);
  }
  if (problems.length) throw new Error(`Job manifest invalid: ${problems.join('; ')}`);
  return m;
}
