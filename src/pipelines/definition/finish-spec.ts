/** @module The last stage of both compilers: implied dependencies, validation, the hashes. */
import { hashJson, sha256 } from './canonical-json.js';
import type { ParamSpec, PipelineSpec, StepSpec } from './spec.js';
import { inputSteps, validateSpec } from './validate-spec.js';

export function finishSpec(a: { name: string; params: Record<string, ParamSpec>; steps: StepSpec[]; form: 'typescript' | 'yaml'; file: string; dir: string; text: string; lockDigest: string }): PipelineSpec {
  for (const s of a.steps) {
    const needs = new Set(s.needs);
    for (const i of Object.values(s.inputs)) for (const n of inputSteps(i)) needs.add(n);
    if (s.map) for (const n of inputSteps(s.map.over)) needs.add(n);
    s.needs = [...needs];
  }
  const spec: PipelineSpec = {
    specVersion: 1,
    name: a.name,
    params: a.params,
    steps: a.steps,
    source: { form: a.form, file: a.file, dir: a.dir },
    definitionHash: '',
    codeHash: '',
    environmentHash: a.lockDigest,
  };
  validateSpec(spec);
  spec.definitionHash = hashJson({ name: spec.name, params: spec.params, steps: spec.steps });
  spec.codeHash = sha256([...spec.steps.map((s) => s.codeHash), sha256(a.text)].join('\n'));
  return spec;
}
