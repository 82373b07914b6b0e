import { describe, expect, it } from 'vitest';
import { ddp, deepspeed, deepspeedConfig, fsdp, horovodEnv, pipeline } from './index.js';
import { workerEnv } from '../worker-env.js';

describe('DeepSpeed ZeRO config', () => {
  it('writes stages 1-3 with a consistent batch and the right sharding keys', () => {
    for (const stage of [1, 2, 3] as const) {
      const c = deepspeedConfig({ stage, trainBatchSize: 64, microBatchPerGpu: 8, worldSize: 2 }) as Record<string, any>;
      expect(c.train_batch_size).toBe(c.train_micro_batch_size_per_gpu * c.gradient_accumulation_steps * 2);
      expect(c.gradient_accumulation_steps).toBe(4);
      expect(c.zero_optimization.stage).toBe(stage);
      expect('stage3_prefetch_bucket_size' in c.zero_optimization).toBe(stage === 3);
    }
    const s3 = deepspeed({ stage: 3, trainBatchSize: 32, microBatchPerGpu: 4, worldSize: 4, offloadOptimizer: 'cpu', offloadParam: 'cpu', bf16: true });
    const written = JSON.parse(s3.files['ds_config.json']!);
    expect(written.zero_optimization.offload_param).toEqual({ device: 'cpu', pin_memory: true });
    expect(written.bf16).toEqual({ enabled: true });
    expect(s3.args).toEqual(['--deepspeed', '--deepspeed_config', 'ds_config.json']);
  });

  it('keeps the global batch when the world size changes (elastic) and refuses inconsistent ones', () => {
    expect((deepspeedConfig({ stage: 2, trainBatchSize: 64, microBatchPerGpu: 8, worldSize: 4 }) as any).gradient_accumulation_steps).toBe(2);
    expect(() => deepspeedConfig({ stage: 2, trainBatchSize: 60, microBatchPerGpu: 8, worldSize: 2 })).toThrow(/must be a multiple of microBatchPerGpu x worldSize = 8 x 2 = 16/);
    expect(() => deepspeedConfig({ stage: 2, trainBatchSize: 64, microBatchPerGpu: 8, worldSize: 2, offloadParam: 'cpu' })).toThrow(/offloadParam needs ZeRO stage 3/);
    expect(() => deepspeedConfig({ stage: 4 as 3, trainBatchSize: 64, microBatchPerGpu: 8, worldSize: 2 })).toThrow(/stage must be 1, 2 or 3/);
  });
});

describe('other strategies', () => {
  it('DDP, FSDP and pipeline write what their examples read', () => {
    expect(ddp({ backend: 'nccl' }).env.TRAINYARD_DIST_BACKEND).toBe('nccl');
    expect(JSON.parse(fsdp({ shardingStrategy: 'SHARD_GRAD_OP' }).files['fsdp.json']!)).toMatchObject({ sharding_strategy: 'SHARD_GRAD_OP', cpu_offload: false });
    expect(pipeline({ stages: 3, chunks: 4 }).args).toEqual(['--stages', '3', '--chunks', '4', '--pipe-checkpoint', 'except_last']);
    expect(() => pipeline({ stages: 0, chunks: 1 })).toThrow(/stages must be >= 1/);
  });

  it("Horovod's environment agrees with the torchrun ranks of the same placement", () => {
    const placement = { jobId: 'j', nonce: 'n', masterAddr: '10.0.0.1', masterPort: 4000, groupRank: 1, groupWorldSize: 2, nprocPerNode: 2, restartCount: 0, maxRestarts: 0 };
    const files = { heartbeat: 'b', error: 'e', metrics: 'm' };
    const t = workerEnv({}, placement, 1, files, { checkpointDir: 'c', pythonPath: [] }, {});
    const h = horovodEnv({ rank: Number(t.RANK), size: Number(t.WORLD_SIZE), localRank: Number(t.LOCAL_RANK), localSize: Number(t.LOCAL_WORLD_SIZE), crossRank: Number(t.GROUP_RANK), crossSize: Number(t.GROUP_WORLD_SIZE), hostname: 'node-1', rendezvousAddr: '10.0.0.1', rendezvousPort: 4001 });
    expect(h).toMatchObject({ HOROVOD_RANK: '3', HOROVOD_SIZE: '4', HOROVOD_LOCAL_RANK: '1', HOROVOD_LOCAL_SIZE: '2', HOROVOD_CROSS_RANK: '1', HOROVOD_CROSS_SIZE: '2', HOROVOD_CONTROLLER: 'gloo', HOROVOD_CPU_OPERATIONS: 'gloo', HOROVOD_GLOO_RENDEZVOUS_PORT: '4001' });
  });
});
