/**
 * @module FSDP (torch.distributed.fsdp) settings as JSON the script reads. In torch 1.13 FSDP is
 * CUDA-only (and Debian's build fails to import it on Python 3.11, distributed-anchors.md), so
 * examples/pytorch-fsdp/train.py runs only where a GPU is lent; its test says so when skipped.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { StrategyConfig } from './strategy.js';

export interface FsdpOptions {
  /** FULL_SHARD (params+grads+optimizer, like ZeRO-3), SHARD_GRAD_OP (ZeRO-2), NO_SHARD (DDP). */
  shardingStrategy?: 'FULL_SHARD' | 'SHARD_GRAD_OP' | 'NO_SHARD';
  cpuOffload?: boolean;
  /** Wrap every submodule with at least this many parameters in its own FSDP unit. */
  minParamsPerUnit?: number;
  mixedPrecision?: 'fp32' | 'fp16' | 'bf16';
}

export function fsdp(opts: FsdpOptions = {}): StrategyConfig {
  const min = opts.minParamsPerUnit ?? 100_000;
  if (!Number.isInteger(min) || min < 1) throw new InvalidParameter(`minParamsPerUnit must be a positive whole number (got ${min})`);
  const config = { sharding_strategy: opts.shardingStrategy ?? 'FULL_SHARD', cpu_offload: opts.cpuOffload ?? false, auto_wrap_min_params: min, mixed_precision: opts.mixedPrecision ?? 'fp32', backend: 'nccl' };
  return { name: 'fsdp', env: { TRAINYARD_FSDP_CONFIG: 'fsdp.json' }, args: ['--fsdp-config', 'fsdp.json'], files: { 'fsdp.json': JSON.stringify(config, null, 2) + '\n' } };
}
