/**
 * A server running pipeline steps as Kubernetes Jobs hands the pods its own URL as TRAINYARD_URI
 * (through the executor context) when TRAINYARD_K8S_TRAINYARD_URI does not say otherwise; the
 * loopback API server (test/helpers/fake-kube-api.ts) runs the pod's command here, so the step
 * really calls the server at that URL. No real cluster is involved.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../../src/client/index.js';
import type { JobManifest } from '../../src/pipelines/executors/kubernetes/index.js';
import { startFakeKube, type FakeKube } from '../helpers/fake-kube-api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('Kubernetes executor inside a server: pods get the server URL', () => {
  let kube: FakeKube;
  let server: TestServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    kube = await startFakeKube();
    process.env.KUBECONFIG = kube.kubeconfig;
    process.env.TRAINYARD_K8S_IMAGE = 'busybox:1.36';
    delete process.env.TRAINYARD_K8S_TRAINYARD_URI;
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    process.env = saved;
    await server?.stop();
    await kube?.close();
  });

  it('sets TRAINYARD_URI on the Job to the server URL, and the pod reaches the server with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-k8s-url-'));
    const file = join(dir, 'k8s-url.yaml');
    // The pod asks the server for its experiments over TRAINYARD_URI and outputs the status code.
    writeFileSync(file, `name: k8s-url
steps:
  ping:
    command: |
      ${process.execPath} -e "fetch(process.env.TRAINYARD_URI + '/api/2.0/mlflow/experiments/search?max_results=1').then(r => require('fs').writeFileSync('{{outputs.reply}}', JSON.stringify({ status: r.status, uri: process.env.TRAINYARD_URI })))"
    outputs: { reply: { type: value, path: reply.json } }
`);
    const ty = new Trainyard({ uri: server.url });
    try {
      const { run, steps } = await ty.pipelines.run(file, { executor: 'kubernetes', pollMs: 50 });
      expect(run.status, JSON.stringify(steps)).toBe('succeeded');
      const job = kube.created.find((j) => j.metadata.labels['trainyard.dev/pipeline-step'] === 'ping') as JobManifest;
      expect(job.spec.template.spec.containers[0]!.env).toEqual(expect.arrayContaining([{ name: 'TRAINYARD_URI', value: server.url }]));
      expect(steps[0]!.outputs).toEqual({ reply: { status: 200, uri: server.url } });
    } finally {
      await ty.close();
    }
  }, 60_000);
});
