"""A small real DDP training run: an MLP on synthetic data, for `trainyard launch`.

    trainyard launch --nproc-per-node 2 --python /usr/bin/python3 --experiment mnist-ddp \
        examples/pytorch-ddp/train.py --epochs 5

Deterministic: the data comes from a fixed seed, each epoch's order from (seed, epoch), and each
rank takes its share of one *global* batch, so the result does not depend on how often the job
was interrupted (it resumes from the last checkpoint at the exact step) and, up to float
rounding, not on the world size. Rank 0 checkpoints every --checkpoint-every steps through
trainyard_client.launch. SIGTERM (cancel) is agreed by all ranks at the end of a step, then rank 0
writes a final checkpoint and every rank exits 0.

Fault knobs (to try the launcher's recovery): --fail-rank R raises on rank R at --fault-step on
every attempt; --hang-rank R sleeps forever there on the first attempt; --slow-rank R adds
--slow-ms of compute on that rank every step (a straggler).
"""
import argparse
import os
import signal
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from trainyard_client import launch as ty  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--samples", type=int, default=2048)
    p.add_argument("--global-batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=10)
    p.add_argument("--step-sleep-ms", type=float, default=0.0, help="simulated extra compute per step")
    p.add_argument("--fail-rank", type=int, default=-1)
    p.add_argument("--hang-rank", type=int, default=-1)
    p.add_argument("--fault-step", type=int, default=20)
    p.add_argument("--slow-rank", type=int, default=-1)
    p.add_argument("--slow-ms", type=float, default=0.0)
    return p.parse_args()


def dataset(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 16, generator=g)
    w = torch.randn(16, 1, generator=g)
    y = torch.tanh(x @ w) + 0.05 * torch.randn(n, 1, generator=g)
    return x, y


def model_for(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))


def main():
    args = parse_args()
    dist.init_process_group("gloo")  # init_method env://: MASTER_ADDR/PORT, RANK, WORLD_SIZE
    rank, world = dist.get_rank(), dist.get_world_size()
    attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    stop = {"asked": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("asked", True))

    x, y = dataset(args.samples, args.seed)
    model = DDP(model_for(args.seed))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    steps_per_epoch = args.samples // args.global_batch
    total = steps_per_epoch * args.epochs
    step = 0
    ckpt = ty.load_checkpoint()
    if ckpt is not None:
        model.module.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
        if rank == 0:
            print(f"resumed from step {step} (attempt {attempt})", flush=True)
    loss_fn = torch.nn.MSELoss()
    local = args.global_batch // world

    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        order = torch.randperm(args.samples, generator=torch.Generator().manual_seed(args.seed * 1000 + epoch))
        batch = order[offset * args.global_batch:(offset + 1) * args.global_batch]
        mine = batch[rank * local:(rank + 1) * local]
        if step == args.fault_step and rank == args.fail_rank:
            raise RuntimeError(f"injected failure on rank {rank} at step {step}")
        if step == args.fault_step and rank == args.hang_rank and attempt == 0:
            print(f"rank {rank} hanging at step {step}", flush=True)
            while True:
                time.sleep(1)
        if args.step_sleep_ms:
            time.sleep(args.step_sleep_ms / 1000)
        if rank == args.slow_rank:
            time.sleep(args.slow_ms / 1000)
        opt.zero_grad()
        loss = loss_fn(model(x[mine]), y[mine])
        loss.backward()
        opt.step()
        step += 1
        if step % 10 == 0:
            ty.log_metrics({"loss": loss.item()}, step=step)
        # Everyone agrees to stop at the same step, so no rank waits in a collective for one gone.
        flag = torch.tensor([1.0 if stop["asked"] else 0.0])
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if step % args.checkpoint_every == 0 or step == total or flag.item() > 0:
            ty.save_checkpoint({"model": model.module.state_dict(), "optimizer": opt.state_dict(), "step": step}, step)
        if flag.item() > 0:
            if rank == 0:
                print(f"stopping at step {step} on request; checkpoint saved", flush=True)
            dist.destroy_process_group()
            return
    with torch.no_grad():
        final = loss_fn(model.module(x), y).item()
    if rank == 0:
        ty.log_metrics({"final_loss": final}, step=step)
        print(f"final_loss={final:.6f} steps={step} world={world}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
