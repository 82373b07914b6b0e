/**
 * @module The compiled pipeline: one JSON document both the TypeScript and the YAML forms compile
 * to, validated before anything runs and stored with every pipeline run (with its definition
 * hash and code hash). The scheduler, the cache and every executor read only this.
 */
import type { JsonValue } from './refs.js';

/** Where a step input's value comes from. */
export type InputSpec =
  | { from: 'literal'; value: JsonValue }
  /** A non-JSON value (a function, a class instance) in a TypeScript pipeline: read from the re-imported definition at run time; its source is hashed. */
  | { from: 'code'; hash: string }
  | { from: 'param'; param: string }
  | { from: 'output'; step: string; output: string; collected?: boolean }
  | { from: 'item' }
  /** A list or record that contains references somewhere inside (`{ a: ref, b: 1 }`). */
  | { from: 'nested'; value: JsonValue; refs: { path: (string | number)[]; input: InputSpec }[] };

export type OutputSpec =
  | { type: 'artifact'; kind: string; /** command steps: the file or folder it writes, relative to its workdir */ path?: string }
  | { type: 'value'; /** command steps: a JSON file it writes, relative to its workdir */ path?: string; valueType?: ParamType };

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'json';

export interface ParamSpec {
  type: ParamType;
  default?: JsonValue;
}

/** Where a step runs on `--executor kubernetes` (ignored by the other executors). */
export interface StepKubernetes {
  /** The container image (default: $TRAINYARD_K8S_IMAGE). */
  image?: string;
  /** Kubernetes quantities, e.g. { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  /** The container's working directory (default: the image's WORKDIR). */
  workingDir?: string;
}

export interface StepSpec {
  name: string;
  kind: 'function' | 'command';
  /** function: the step definition's id (`trainyard.validateData`). */
  uses?: string;
  /** function: `uses` is a built-in step run by id, with no TypeScript file (a YAML `launch:` block). */
  builtin?: boolean;
  /** function: sha256 of the definition's id, version and `run` source. command: sha256 of the command template. */
  codeHash: string;
  /** command: the shell command with `{{params.x}}`, `{{inputs.name}}`, `{{outputs.name}}`, `{{item}}` placeholders. */
  command?: string;
  inputs: Record<string, InputSpec>;
  outputs: Record<string, OutputSpec>;
  /** Every step this one waits for: those its inputs name, plus `after`. */
  needs: string[];
  map?: { over: InputSpec; parallelism: number };
  /** An expression over earlier outputs and params; the step is SKIPPED when false. */
  when?: string;
  finally?: boolean;
  retry: { retries: number; backoffMs: number; backoffFactor: number; maxBackoffMs: number };
  timeoutMs?: number;
  cache: boolean;
  /** command: extra environment (values may use placeholders). */
  env: Record<string, string>;
  kubernetes?: StepKubernetes;
  /** `--executor agents`: only an agent whose `--labels` include every one of these runs the step. */
  agent?: { labels: Record<string, string> };
}

export interface PipelineSpec {
  /** Bumped when this document's shape changes. */
  specVersion: 1;
  name: string;
  params: Record<string, ParamSpec>;
  steps: StepSpec[];
  source: {
    form: 'typescript' | 'yaml';
    /** Absolute path of the file it was compiled from (TypeScript steps are re-imported from it). */
    file: string;
    /** The folder commands run relative to and lockfiles are looked up from. */
    dir: string;
  };
  /** sha256 of the canonical JSON of `steps` and `params`: what the pipeline is. */
  definitionHash: string;
  /** sha256 over every step's codeHash and the source file's bytes: what code it runs. */
  codeHash: string;
  /** sha256 of the lockfiles found next to the source (package-lock.json, requirements.txt, ...): part of every cache key. */
  environmentHash: string;
}
