"""FSDP (fully sharded data parallel) for `trainyard launch`; needs CUDA in torch 1.13.

    trainyard launch --nproc-per-node 2 --python python3 examples/pytorch-fsdp/train.py --fsdp-config fsdp.json

fsdp.json comes from the `fsdp()` strategy helper (src/launch/strategies/fsdp.ts).
"""
import argparse
import functools
import json
import os

import torch
import torch.distributed as dist


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fsdp-config", default="fsdp.json")
    p.add_argument("--steps", type=int, default=50)
    args = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("FSDP in torch 1.13 needs CUDA; no GPU here")
    from torch.distributed.fsdp import CPUOffload, FullyShardedDataParallel as FSDP, ShardingStrategy
    from torch.distributed.fsdp.wrap import size_based_auto_wrap_policy

    cfg = json.load(open(args.fsdp_config))
    dist.init_process_group(cfg.get("backend", "nccl"))
    local = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 512), torch.nn.Tanh(), torch.nn.Linear(512, 512), torch.nn.Tanh(), torch.nn.Linear(512, 1)).cuda()
    model = FSDP(
        model,
        sharding_strategy=getattr(ShardingStrategy, cfg["sharding_strategy"]),
        cpu_offload=CPUOffload(offload_params=cfg["cpu_offload"]),
        auto_wrap_policy=functools.partial(size_based_auto_wrap_policy, min_num_params=cfg["auto_wrap_min_params"]),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1024, 16, generator=g)
    y = torch.tanh(x @ torch.randn(16, 1, generator=g))
    rank, world = dist.get_rank(), dist.get_world_size()
    for step in range(args.steps):
        idx = torch.randperm(1024, generator=torch.Generator().manual_seed(step))[:64][rank::world]
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[idx].cuda()), y[idx].cuda())
        loss.backward()
        opt.step()
        if rank == 0 and step % 10 == 0:
            print(f"step={step} loss={loss.item():.6f}", flush=True)
    if rank == 0:
        print(f"final_loss={loss.item():.6f}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
