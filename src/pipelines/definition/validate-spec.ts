/**
 * @module The checks every compiled spec passes before it runs (both forms): names, references
 * to steps, outputs and params that exist, a map item used only in a map, artifact kinds that
 * match, conditions that parse and name earlier steps, and no cycle. The first problem is
 * thrown as a PipelineDefinitionError naming the step and the field.
 */
import { conditionSteps, parseCondition } from './condition.js';
import { PipelineDefinitionError } from './pipeline-error.js';
import type { InputSpec, PipelineSpec, StepSpec } from './spec.js';

const NAME_RE = /^[A-Za-z_][\w-]*$/;

function leafInputs(input: InputSpec): InputSpec[] {
  return input.from === 'nested' ? input.refs.flatMap((r) => leafInputs(r.input)) : [input];
}

/** Steps an input reads from. */
export function inputSteps(input: InputSpec): string[] {
  return leafInputs(input).flatMap((i) => (i.from === 'output' ? [i.step] : []));
}

export function validateSpec(spec: PipelineSpec): void {
  const byName = new Map<string, StepSpec>();
  if (spec.steps.length === 0) throw new PipelineDefinitionError(undefined, 'steps', 'a pipeline needs at least one step.');
  for (const s of spec.steps) {
    if (!NAME_RE.test(s.name)) throw new PipelineDefinitionError(s.name, 'name', 'step names use letters, digits, _ and - and start with a letter.');
    if (byName.has(s.name)) throw new PipelineDefinitionError(s.name, 'name', 'two steps have this name.');
    byName.set(s.name, s);
  }
  for (const s of spec.steps) {
    const check = (input: InputSpec, field: string, allowItem: boolean) => {
      for (const i of leafInputs(input)) {
        if (i.from === 'param' && !(i.param in spec.params)) throw new PipelineDefinitionError(s.name, field, `unknown param '${i.param}' (declared: ${Object.keys(spec.params).join(', ') || 'none'}).`);
        if (i.from === 'item' && !allowItem) throw new PipelineDefinitionError(s.name, field, 'the map item is only available inside a map step.');
        if (i.from === 'output') {
          const src = byName.get(i.step);
          if (!src) throw new PipelineDefinitionError(s.name, field, `missing input: no step named '${i.step}'.`);
          if (src.name === s.name) throw new PipelineDefinitionError(s.name, field, 'a step cannot read its own output.');
          if (!(i.output in src.outputs)) throw new PipelineDefinitionError(s.name, field, `missing input: step '${i.step}' has no output '${i.output}' (it has: ${Object.keys(src.outputs).join(', ') || 'none'}).`);
          if (src.finally) throw new PipelineDefinitionError(s.name, field, `step '${i.step}' is a finally step; nothing can read its outputs.`);
        }
      }
    };
    for (const [k, input] of Object.entries(s.inputs)) check(input, `inputs.${k}`, Boolean(s.map));
    if (s.map) {
      check(s.map.over, 'map.over', false);
      if (s.map.over.from === 'item') throw new PipelineDefinitionError(s.name, 'map.over', 'cannot map over the item itself.');
      if (!Number.isInteger(s.map.parallelism) || s.map.parallelism < 1) throw new PipelineDefinitionError(s.name, 'map.parallelism', `must be a positive integer, got ${s.map.parallelism}.`);
    }
    for (const n of s.needs) if (!byName.has(n)) throw new PipelineDefinitionError(s.name, 'after', `no step named '${n}'.`);
    if (s.when !== undefined) {
      let operands;
      try {
        operands = conditionSteps(parseCondition(s.when));
      } catch (e) {
        throw new PipelineDefinitionError(s.name, 'when', `${(e as Error).message} in '${s.when}'.`);
      }
      for (const o of operands) {
        if (o.kind === 'param' && !(o.name in spec.params)) throw new PipelineDefinitionError(s.name, 'when', `unknown param '${o.name}'.`);
        if (o.kind === 'step') {
          const src = byName.get(o.step);
          if (!src) throw new PipelineDefinitionError(s.name, 'when', `no step named '${o.step}'.`);
          if (!(o.output in src.outputs)) throw new PipelineDefinitionError(s.name, 'when', `step '${o.step}' has no output '${o.output}'.`);
          if (!s.needs.includes(o.step)) s.needs.push(o.step);
        }
      }
    }
    if (s.timeoutMs !== undefined && (!Number.isFinite(s.timeoutMs) || s.timeoutMs <= 0)) throw new PipelineDefinitionError(s.name, 'timeout', `must be a positive duration, got ${s.timeoutMs}.`);
    const r = s.retry;
    if (!Number.isInteger(r.retries) || r.retries < 0 || r.retries > 100) throw new PipelineDefinitionError(s.name, 'retries', `must be an integer 0..100, got ${r.retries}.`);
    if (!(r.backoffMs >= 0) || !(r.backoffFactor >= 1) || !(r.maxBackoffMs >= 0)) throw new PipelineDefinitionError(s.name, 'retries', 'backoff must be >= 0 ms with a factor >= 1.');
    if (s.agent !== undefined) {
      const labels = s.agent?.labels;
      const ok = labels && typeof labels === 'object' && !Array.isArray(labels) && Object.entries(labels).every(([k, v]) => k.length > 0 && k.length <= 100 && typeof v === 'string' && v.length <= 200);
      if (!ok) throw new PipelineDefinitionError(s.name, 'agent.labels', 'must be an object of label name -> string value (e.g. { gpu: "a100" }), names 1..100 and values up to 200 characters.');
    }
  }
  const cycle = findCycle(spec.steps);
  if (cycle) throw new PipelineDefinitionError(cycle[0], 'needs', `cycle: ${cycle.join(' -> ')}.`);
}

/** A dependency cycle as a path of step names (first = last), or null. */
export function findCycle(steps: StepSpec[]): string[] | null {
  const needs = new Map(steps.map((s) => [s.name, s.needs]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const d of needs.get(n) ?? []) {
      if (state.get(d) === 1) return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const s of steps) {
    if (!state.has(s.name)) {
      const c = visit(s.name);
      if (c) return c.reverse();
    }
  }
  return null;
}
