/**
 * @module DeepSpeed ZeRO config (ds_config.json). Workers keep the torchrun environment
 * (deepspeed.init_distributed reads RANK/WORLD_SIZE/MASTER_*), so `trainyard launch` replaces
 * the `deepspeed` launcher. DeepSpeed checks train_batch_size = micro_batch x grad_accum x world
 * at start; we check it here so a bad combination fails before launch, and recompute grad_accum
 * when the world size changes (elastic) with the global batch fixed.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { StrategyConfig } from './strategy.js';

export interface DeepSpeedOptions {
  /** 1: optimizer states sharded; 2: + gradients; 3: + parameters. */
  stage: 1 | 2 | 3;
  /** Global batch (kept fixed across world sizes). */
  trainBatchSize: number;
  microBatchPerGpu: number;
  worldSize: number;
  offloadOptimizer?: 'cpu' | 'nvme';
  offloadParam?: 'cpu' | 'nvme';
  fp16?: boolean;
  bf16?: boolean;
  gradientClipping?: number;
}

export function deepspeedConfig(o: DeepSpeedOptions): Record<string, unknown> {
  if (![1, 2, 3].includes(o.stage)) throw new InvalidParameter(`ZeRO stage must be 1, 2 or 3 (got ${o.stage})`);
  if (o.offloadParam && o.stage !== 3) throw new InvalidParameter(`offloadParam needs ZeRO stage 3 (got stage ${o.stage})`);
  if (o.fp16 && o.bf16) throw new InvalidParameter('choose fp16 or bf16, not both');
  const perStep = o.microBatchPerGpu * o.worldSize;
  if (o.trainBatchSize % perStep !== 0) {
    throw new InvalidParameter(`trainBatchSize ${o.trainBatchSize} must be a multiple of microBatchPerGpu x worldSize = ${o.microBatchPerGpu} x ${o.worldSize} = ${perStep}`);
  }
  const zero: Record<string, unknown> = { stage: o.stage, overlap_comm: true, contiguous_gradients: true, reduce_bucket_size: 5e8 };
  if (o.offloadOptimizer) zero.offload_optimizer = { device: o.offloadOptimizer, pin_memory: true };
  if (o.offloadParam) zero.offload_param = { device: o.offloadParam, pin_memory: true };
  if (o.stage === 3) Object.assign(zero, { stage3_prefetch_bucket_size: 5e7, stage3_param_persistence_threshold: 1e5, stage3_gather_16bit_weights_on_model_save: true });
  return {
    train_batch_size: o.trainBatchSize,
    train_micro_batch_size_per_gpu: o.microBatchPerGpu,
    gradient_accumulation_steps: o.trainBatchSize / perStep,
    gradient_clipping: o.gradientClipping ?? 1.0,
    zero_optimization: zero,
    ...(o.fp16 ? { fp16: { enabled: true, loss_scale: 0, initial_scale_power: 16 } } : {}),
    ...(o.bf16 ? { bf16: { enabled: true } } : {}),
  };
}

export function deepspeed(o: DeepSpeedOptions): StrategyConfig {
  const config = deepspeedConfig(o);
  return { name: 'deepspeed', env: {}, args: ['--deepspeed', '--deepspeed_config', 'ds_config.json'], files: { 'ds_config.json': JSON.stringify(config, null, 2) + '\n' } };
}
