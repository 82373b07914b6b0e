/** @module Kubernetes: a job spec as a Kubeflow PyTorchJob, applied and followed with @kubernetes/client-node. */
export { toPyTorchJob, type KubernetesTarget } from './pytorchjob.js';
export { PyTorchJobSchema, validatePyTorchJob, CONDITION_TYPES, type PyTorchJobManifest } from './pytorchjob-schema.js';
export { applyPyTorchJob, followPyTorchJob, deletePyTorchJob, kubeConfigFor, loadKubeConfig, contextNamespace, stateOf, type FollowOptions } from './apply.js';
