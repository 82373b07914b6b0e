/**
 * @module Pipeline parallelism with torch's Pipe (torch.distributed.pipeline.sync, GPipe), which
 * runs on CPU in 1.13: the stages live in one process (one per device), so a job is one worker per
 * pipeline, and Pipe needs the RPC framework up (the example starts it on a file store).
 * Worked example and its test: examples/pytorch-pipe/train.py.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { StrategyConfig } from './strategy.js';

export interface PipelineOptions {
  stages: number;
  /** Micro-batches per batch (GPipe's chunks). */
  chunks: number;
  checkpoint?: 'always' | 'except_last' | 'never';
}

export function pipeline(o: PipelineOptions): StrategyConfig {
  if (!Number.isInteger(o.stages) || o.stages < 1) throw new InvalidParameter(`stages must be >= 1 (got ${o.stages})`);
  if (!Number.isInteger(o.chunks) || o.chunks < 1) throw new InvalidParameter(`chunks must be >= 1 (got ${o.chunks})`);
  return { name: 'pipeline', env: {}, args: ['--stages', String(o.stages), '--chunks', String(o.chunks), '--pipe-checkpoint', o.checkpoint ?? 'except_last'], files: {} };
}
