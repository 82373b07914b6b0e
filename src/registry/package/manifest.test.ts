import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildManifest, inputExampleJson, normalizeFlavors, parseManifest, renderManifest } from './manifest.js';
import { signatureFromMlflow, signatureToMlflow } from './signature.js';

const base = {
  artifactPath: 'model',
  runId: 'r'.repeat(32),
  flavors: { onnx: { opset: 17 } },
  files: { 'model.onnx': { sha256: 'a'.repeat(64), size: 10 }, 'sub/x.json': { sha256: 'b'.repeat(64), size: 5 } },
  environment: { requirements: ['numpy>=1.26'], lockfiles: { 'package-lock.json': 'c'.repeat(64) }, runtime: { node: 'v20.0.0' } },
  datasets: [{ name: 'train.csv', digest: 'd1', context: 'training' }],
  createdAt: new Date('2024-05-01T12:00:00.000Z'),
};

describe('model package manifest', () => {
  it("writes MLflow's MLmodel keys and keeps Trainyard's block under metadata", () => {
    const doc = buildManifest({ ...base, signature: { inputs: [{ name: 'x', type: 'double' }] }, inputExample: { type: 'dataframe' } });
    const parsed = YAML.parse(renderManifest(doc));
    expect(parsed).toMatchObject({
      artifact_path: 'model', run_id: base.runId, utc_time_created: '2024-05-01 12:00:00.000000', model_size_bytes: 15,
      flavors: { onnx: { opset: 17 } }, saved_input_example_info: { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split' },
    });
    expect(parsed.model_uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof parsed.signature.inputs).toBe('string');
    const back = parseManifest(renderManifest(doc));
    expect(back.trainyard).toEqual({ format: 1, run_id: base.runId, datasets: base.datasets, environment: base.environment, files: base.files });
  });

  it('reads a manifest another tool wrote (no trainyard block), and refuses non-YAML', () => {
    expect(parseManifest('artifact_path: model\nflavors: {sklearn: {}}\n').trainyard).toBeUndefined();
    expect(() => parseManifest('a: [1,')).toThrow(/not valid YAML/);
    expect(() => parseManifest('- 1\n- 2\n')).toThrow(/mapping/);
  });

  it('turns signatures into MLflow column and tensor specs and back', () => {
    const sig = { inputs: [{ name: 'age', type: 'long' }, { name: 'img', type: 'float32', shape: [-1, 28, 28] }], outputs: [{ type: 'double', optional: true }] };
    const m = signatureToMlflow(sig);
    expect(JSON.parse(m.inputs)).toEqual([
      { type: 'long', name: 'age', required: true },
      { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 28, 28] }, name: 'img' },
    ]);
    expect(signatureFromMlflow(m)).toEqual(sig);
    expect(() => signatureToMlflow({ inputs: [] })).toThrow(/at least one input/);
    expect(() => signatureToMlflow({ inputs: [{ type: 'decimal' }] })).toThrow(/decimal/);
    expect(() => signatureToMlflow({ inputs: [{ type: 'float32', shape: [0] }] })).toThrow(/shape/);
    expect(() => signatureToMlflow({ inputs: [{ type: 'long', shape: [2] }] })).toThrow(/tensor/);
  });

  it('saves record inputs as a split frame and anything else as JSON', () => {
    expect(inputExampleJson([{ a: 1 }, { b: 'x' }])).toEqual({ type: 'dataframe', json: '{"columns":["a","b"],"data":[[1,null],[null,"x"]]}' });
    expect(inputExampleJson([[1, 2]])).toEqual({ type: 'json_object', json: '[[1,2]]' });
    expect(() => inputExampleJson(undefined)).toThrow(/JSON/);
  });

  it('normalizes flavors', () => {
    expect(normalizeFlavors('onnx')).toEqual({ onnx: {} });
    expect(() => normalizeFlavors('bad flavor')).toThrow(/flavor/);
    expect(() => normalizeFlavors({})).toThrow(/flavor/);
    expect(() => normalizeFlavors({ onnx: [] as unknown as Record<string, unknown> })).toThrow(/object/);
  });
});
