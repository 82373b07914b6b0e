import { describe, expect, it } from 'vitest';
import { compileYaml } from './compile-yaml.js';
import { compileTypeScript } from './compile-typescript.js';
import { pipeline } from './pipeline-builder.js';
import { artifact, defineStep, value } from './step-definition.js';

const src = { file: '/p/x.yaml', dir: '/p', lockDigest: 'l' };
const yaml = (steps: string, params = '') => `name: t\n${params}steps:\n${steps}`;

describe('pipeline validation before anything runs', () => {
  it('refuses a cycle, naming the steps', () => {
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n    after: [b]\n  b:\n    command: "true"\n    after: [a]\n'), src)).toThrow(/step '(a|b)', field 'needs': cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('refuses a missing input: an unknown step or output', () => {
    expect(() => compileYaml(yaml('  a:\n    command: cat {{inputs.x}}\n    inputs: { x: steps.nope.outputs.y }\n'), src)).toThrow("step 'a', field 'inputs.x': missing input: no step named 'nope'.");
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n  b:\n    command: cat {{inputs.x}}\n    inputs: { x: steps.a.outputs.y }\n'), src)).toThrow("step 'b', field 'inputs.x': missing input: step 'a' has no output 'y'");
  });

  it('refuses a type mismatch between a declared input kind and what the producer writes', () => {
    const text = yaml('  a:\n    command: echo > m\n    outputs: { m: { type: artifact, kind: model, path: m } }\n  b:\n    command: cat {{inputs.t}}\n    inputs: { t: { from: steps.a.outputs.m, kind: table } }\n');
    expect(() => compileYaml(text, src)).toThrow("step 'b', field 'inputs.t': type mismatch: expects artifact kind 'table', but steps.a.outputs.m is kind 'model'.");
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n', 'params:\n  n: { type: integer, default: "x" }\n'), src)).toThrow("field 'params.n': type mismatch: expected integer");
  });

  it("keeps a step's agent labels (YAML and TypeScript) and refuses labels that are not name -> string", () => {
    expect(compileYaml(yaml('  a:\n    command: "true"\n    agent: { labels: { gpu: a100 } }\n'), src).steps[0]!.agent).toEqual({ labels: { gpu: 'a100' } });
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n    agent: { labels: { gpu: [a100] } }\n'), src)).toThrow(/step 'a', field 'agent\.labels\.gpu'/);
    const s = defineStep({ id: 't.l', version: '1', outputs: {}, async run() { return {}; } });
    const p = pipeline('p');
    p.step('a', s({}), { agent: { labels: { gpu: 'a100' } } });
    expect(compileTypeScript(p, { file: '/p/p.ts', dir: '/p', text: '', lockDigest: 'l' }).steps[0]!.agent).toEqual({ labels: { gpu: 'a100' } });
    const q = pipeline('q');
    q.step('a', s({}), { agent: { labels: { gpu: 1 as unknown as string } } });
    expect(() => compileTypeScript(q, { file: '/p/q.ts', dir: '/p', text: '', lockDigest: 'l' })).toThrow(/step 'a', field 'agent.labels'/);
  });

  it('refuses an unknown step field and an undeclared placeholder', () => {
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n    retires: 3\n'), src)).toThrow("step 'a', field 'retires': unknown field 'retires'");
    expect(() => compileYaml(yaml('  a:\n    command: echo {{params.lr}}\n'), src)).toThrow("step 'a', field 'command': unknown param '{{params.lr}}'");
    expect(() => compileYaml(yaml('  a:\n    command: echo {{item}}\n'), src)).toThrow("'{{item}}' is only available in a map step");
  });

  it('refuses a condition that does not parse or names no such output, and a bad timeout', () => {
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n  b:\n    command: "true"\n    when: steps.a.outputs.auc >=\n'), src)).toThrow(/step 'b', field 'when': expected a value/);
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n  b:\n    command: "true"\n    when: steps.a.outputs.auc > 1\n'), src)).toThrow("step 'b', field 'when': step 'a' has no output 'auc'.");
    expect(() => compileYaml(yaml('  a:\n    command: "true"\n    timeout: soon\n'), src)).toThrow(/step 'a', field 'timeout'/);
  });

  it('compiles a valid YAML pipeline with implied dependencies and stable hashes', () => {
    const text = yaml('  a:\n    command: echo 1 > o\n    outputs: { o: { type: artifact, kind: t, path: o } }\n  b:\n    command: cat {{inputs.o}} {{params.n}}\n    inputs: { o: steps.a.outputs.o }\n', 'params:\n  n: 3\n');
    const s1 = compileYaml(text, src);
    expect(s1.steps[1]!.needs).toEqual(['a']);
    expect(s1.definitionHash).toBe(compileYaml(text, src).definitionHash);
    expect(compileYaml(text.replace('cat', 'head'), src).codeHash).not.toBe(s1.codeHash);
  });

  it('TypeScript: refuses a reference to a step that is not in the pipeline, and hashes code inputs', () => {
    const s = defineStep({ id: 't.s', version: '1', outputs: { o: artifact('table'), v: value<number>() }, async run(_i: { x?: unknown; f?: () => number }) { return { v: 1 }; } });
    const other = pipeline('other');
    const ghost = other.step('ghost', s({}));
    const p = pipeline('p');
    p.step('a', s({ x: ghost.out.o }));
    expect(() => compileTypeScript(p, { file: '/p/p.ts', dir: '/p', text: '', lockDigest: 'l' })).toThrow("step 'a', field 'inputs.x': missing input: no step named 'ghost'.");
    const q1 = pipeline('q');
    q1.step('a', s({ f: () => 1 }));
    const q2 = pipeline('q');
    q2.step('a', s({ f: () => 2 }));
    const c = (q: typeof q1) => compileTypeScript(q, { file: '/p/q.ts', dir: '/p', text: '', lockDigest: 'l' });
    expect(c(q1).steps[0]!.inputs.f!.from).toBe('code');
    expect(c(q1).definitionHash).not.toBe(c(q2).definitionHash);
  });

  it('TypeScript: the compiler catches an artifact kind mismatch', () => {
    const produce = defineStep({ id: 't.p', version: '1', outputs: { model: artifact('model') }, async run() { return {}; } });
    const consume = defineStep({ id: 't.c', version: '1', outputs: {}, async run(_i: { table: import('./refs.js').Artifact<'table'> }) { return {}; } });
    const p = pipeline('p');
    const a = p.step('a', produce({}));
    // @ts-expect-error an Artifact<'model'> is not an Artifact<'table'>
    p.step('b', consume({ table: a.out.model }));
    expect(p.steps.length).toBe(2);
  });
});
