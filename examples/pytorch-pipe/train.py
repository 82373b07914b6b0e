"""Pipeline parallelism with torch's Pipe (GPipe) on CPU, for `trainyard launch`.

    trainyard launch --nproc-per-node 1 --python /usr/bin/python3 examples/pytorch-pipe/train.py --stages 2 --chunks 4

Pipe splits an nn.Sequential into stages (one per device; all on CPU here) and each batch into
micro-batches that flow through them. It needs the RPC framework up (one process, initialised on
a file store here). Checkpoints through trainyard_client.launch.
"""
import argparse
import os
import sys
import tempfile

import torch
from torch.distributed import rpc
from torch.distributed.pipeline.sync import Pipe

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from trainyard_client import launch as ty  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stages", type=int, default=2)
    p.add_argument("--chunks", type=int, default=4)
    p.add_argument("--pipe-checkpoint", default="except_last")
    p.add_argument("--steps", type=int, default=60)
    args = p.parse_args()
    rpc.init_rpc("worker", rank=0, world_size=1, rpc_backend_options=rpc.TensorPipeRpcBackendOptions(init_method=f"file://{tempfile.mktemp()}"))
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 16, generator=g)
    y = torch.tanh(x @ torch.randn(16, 1, generator=g))
    layers = [torch.nn.Sequential(torch.nn.Linear(16 if i == 0 else 64, 64), torch.nn.Tanh()) for i in range(args.stages - 1)]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(64 if args.stages > 1 else 16, 1))
    model = Pipe(model, chunks=args.chunks, checkpoint=args.pipe_checkpoint)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    step = 0
    ckpt = ty.load_checkpoint()
    if ckpt:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
    first = None
    while step < args.steps:
        idx = torch.randperm(512, generator=torch.Generator().manual_seed(step))[:64]
        opt.zero_grad()
        out = model(x[idx]).local_value()
        loss = torch.nn.functional.mse_loss(out, y[idx])
        loss.backward()
        opt.step()
        step += 1
        first = first if first is not None else loss.item()
        if step % 10 == 0:
            ty.log_metrics({"loss": loss.item()}, step=step)
            ty.save_checkpoint({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step}, step)
    with torch.no_grad():
        final = torch.nn.functional.mse_loss(model(x).local_value(), y).item()
    print(f"stages={len(model.partitions)} chunks={args.chunks} first_loss={first:.6f} final_loss={final:.6f}", flush=True)
    rpc.shutdown()


if __name__ == "__main__":
    main()
