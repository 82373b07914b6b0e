/**
 * @module DDP: nothing to write but the backend; the launcher's torchrun environment is the
 * whole contract. Worked example: examples/pytorch-ddp/train.py.
 */
import type { StrategyConfig } from './strategy.js';

export interface DdpOptions {
  /** `gloo` on CPU (this machine), `nccl` on GPUs. */
  backend?: 'gloo' | 'nccl';
  /** Seconds a collective may wait before failing the rank (torch's default: 30 min). */
  collectiveTimeoutSeconds?: number;
}

export function ddp(opts: DdpOptions = {}): StrategyConfig {
  return {
    name: 'ddp',
    env: { TRAINYARD_DIST_BACKEND: opts.backend ?? 'gloo', ...(opts.collectiveTimeoutSeconds ? { TRAINYARD_COLLECTIVE_TIMEOUT_S: String(opts.collectiveTimeoutSeconds) } : {}) },
    args: [],
    files: {},
  };
}
