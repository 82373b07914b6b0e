import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StepTask } from '../executor.js';
import { jobName, readOutputs, structuralProblems, toStepJob, validateJob, wrapCommand, type JobManifest } from './index.js';

const task = (o: Partial<StepTask> = {}): StepTask => ({
  id: 'pr_abc123/train#1',
  pipelineRunId: 'pr_abc123',
  pipeline: 'adult',
  step: 'train',
  attempt: 1,
  kind: 'command',
  command: { shell: 'python3 train.py --out /h/pipelines/pr_abc123/steps/train/attempt-1/m.json' },
  inputs: {},
  params: {},
  outputs: { metrics: { type: 'value', path: 'm.json' } },
  env: { TRAINYARD_PIPELINE_RUN: 'pr_abc123', TRAINYARD_PIPELINE_STEP: 'train' },
  workdir: '/h/pipelines/pr_abc123/steps/train/attempt-1',
  cwd: '/project',
  timeoutMs: 90_500,
  kubernetes: { image: 'python:3.11-slim', resources: { requests: { cpu: '1' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } }, nodeSelector: { pool: 'gpu' } },
  ...o,
});
const target = { namespace: 'ml', ttlSecondsAfterFinished: 600, trainyardUri: 'http://trainyard.ml:5000' };

describe('a command step as a batch/v1 Job', () => {
  it('carries image, command, env, resources, labels; never retries itself; deadline from the timeout; a TTL', () => {
    const m = toStepJob(task(), target);
    expect(m.metadata).toMatchObject({ namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'trainyard', 'trainyard.dev/pipeline-run': 'pr_abc123', 'trainyard.dev/pipeline-step': 'train', 'trainyard.dev/attempt': '1' } });
    expect(m.spec.backoffLimit).toBe(0);
    expect(m.spec.activeDeadlineSeconds).toBe(91);
    expect(m.spec.ttlSecondsAfterFinished).toBe(600);
    const pod = m.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.nodeSelector).toEqual({ pool: 'gpu' });
    expect(m.spec.template.metadata.labels['trainyard.dev/job']).toBe(m.metadata.name);
    const c = pod.containers[0]!;
    expect(c.image).toBe('python:3.11-slim');
    expect(c.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(c.command[2]).toContain('python3 train.py');
    expect(c.resources).toEqual({ requests: { cpu: '1' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } });
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'TRAINYARD_PIPELINE_RUN', value: 'pr_abc123' },
      { name: 'TRAINYARD_URI', value: 'http://trainyard.ml:5000' },
      { name: 'MLFLOW_TRACKING_URI', value: 'http://trainyard.ml:5000' },
      { name: 'TRAINYARD_STEP_WORKDIR', value: '/h/pipelines/pr_abc123/steps/train/attempt-1' },
    ]));
    // The workdir path exists in the pod, so {{outputs.x}} paths mean the same file.
    expect(c.volumeMounts).toEqual([{ name: 'workdir', mountPath: '/h/pipelines/pr_abc123/steps/train/attempt-1' }]);
    expect(pod.volumes).toEqual([{ name: 'workdir', emptyDir: {} }]);
    // Every field is a field of the published API types.
    expect(structuralProblems(m, 'V1Job')).toEqual([]);
  });

  it('names each attempt uniquely within 63 characters, even for a long step name or a map item', () => {
    const long = 'a_very_Long_step_name_that_goes_on_and_on_well_past_the_dns_label_limit';
    const a = jobName(task({ step: long, id: 'pr_1/x#1' }));
    const b = jobName(task({ step: long, id: 'pr_1/x#2', attempt: 2 }));
    const c = jobName(task({ step: long, id: 'pr_1/x[3]#1', itemIndex: 3 }));
    for (const n of [a, b, c]) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toMatch(/-3-a1-[0-9a-f]{8}$/);
    expect(() => toStepJob(task({ step: long, id: 'pr_1/x#1' }), target)).not.toThrow();
  });

  it('the checks refuse what the API server would, naming the field', () => {
    const good = toStepJob(task(), target);
    const bad = (f: (m: JobManifest) => void) => {
      const m = structuredClone(good);
      f(m);
      return () => validateJob(m);
    };
    expect(bad((m) => ((m.spec as unknown as Record<string, unknown>).backofLimit = 0))).toThrow(/backofLimit: not a field of V1JobSpec/);
    expect(bad((m) => ((m.spec.template.spec.containers[0] as unknown as Record<string, unknown>).imagePullPolicy = 3))).toThrow(/imagePullPolicy: expected a string/);
    expect(bad((m) => ((m.spec.template.spec as { restartPolicy: string }).restartPolicy = 'Always'))).toThrow(/restartPolicy: 'Always' must be Never or OnFailure for a Job/);
    expect(bad((m) => (m.metadata.name = 'Bad_Name'))).toThrow(/metadata.name: 'Bad_Name' must be a DNS-1123 label/);
    expect(bad((m) => (m.metadata.labels['trainyard.dev/pipeline-step'] = 'has space'))).toThrow(/label value 'has space'/);
    expect(bad((m) => (m.spec.activeDeadlineSeconds = 0))).toThrow(/activeDeadlineSeconds: must be an integer >= 1/);
    expect(bad((m) => (m.spec.template.spec.containers[0]!.volumeMounts = [{ name: 'nope', mountPath: '/x' }]))).toThrow(/volumeMounts.nope: no such volume/);
  });

  it('refuses before anything is sent: no image, a TypeScript step, artifact outputs without a shared claim', () => {
    expect(() => toStepJob(task({ kubernetes: {} }), target)).toThrow(/Step 'train' has no image: set kubernetes.image on the step or TRAINYARD_K8S_IMAGE/);
    expect(() => toStepJob(task({ kind: 'function', fn: { module: 'p.ts', step: 'train' } }), target)).toThrow(/is a TypeScript or launch step: the kubernetes executor runs command steps/);
    expect(() => toStepJob(task({ outputs: { model: { type: 'artifact', kind: 'model', path: 'model.pkl' } } }), target)).toThrow(/artifact output 'model': on Kubernetes that needs a shared volume/);
    const shared = { ...target, sharedClaim: { claimName: 'ty-home', mountPath: '/h' } };
    const m = toStepJob(task({ outputs: { model: { type: 'artifact', kind: 'model', path: 'model.pkl' } } }), shared);
    expect(m.spec.template.spec.volumes).toEqual([{ name: 'trainyard-home', persistentVolumeClaim: { claimName: 'ty-home' } }]);
    expect(m.spec.template.spec.containers[0]!.volumeMounts).toEqual([{ name: 'trainyard-home', mountPath: '/h' }]);
    expect(() => toStepJob(task(), { ...target, sharedClaim: { claimName: 'c', mountPath: '/elsewhere' } })).toThrow(/not under TRAINYARD_K8S_SHARED_MOUNT/);
  });

  it('the wrapper hands value outputs back through the log, also when the step ends with exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-k8s-wrap-'));
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'keep'), '');
    const script = wrapCommand(`echo training; printf '{"auc": 0.9}\\n' > ${join(dir, 'w', 'm.json')}; exit 0`, { metrics: { type: 'value', path: 'm.json' }, missing: { type: 'value', path: 'none.json' } }, join(dir, 'w'));
    const log = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    expect(readOutputs(log)).toEqual({ lines: ['training'], values: { metrics: '{"auc": 0.9}\n' } });
    // A failing command prints no outputs and keeps its exit code.
    const failing = wrapCommand('echo no; exit 7', { metrics: { type: 'value', path: 'm.json' } }, join(dir, 'w'));
    let code = 0;
    try {
      execFileSync('/bin/sh', ['-c', failing], { encoding: 'utf8' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(7);
  });
});
