"""Benchmark worker: init, then --steps steps of a small all-reduce, each step's wall time appended
to $BENCH_DIR/rank-<r>.steps as "<attempt> <time> <step>". --print-lines N prints N lines first
(log capture cost). --hang-rank hangs that rank at --hang-step on attempt 0.
"""
import argparse
import os
import time

import torch
import torch.distributed as dist

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=50)
p.add_argument("--step-ms", type=float, default=10)
p.add_argument("--print-lines", type=int, default=0)
p.add_argument("--hang-rank", type=int, default=-1)
p.add_argument("--hang-step", type=int, default=10)
p.add_argument("--gloo-timeout", type=float, default=1800)
a = p.parse_args()
import datetime
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=a.gloo_timeout))
rank = dist.get_rank()
attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
out = open(os.path.join(os.environ["BENCH_DIR"], f"rank-{rank}.steps"), "a", buffering=1)
for i in range(a.print_lines):
    print(f"line {i} of the log capture benchmark, rank {rank}")
w = torch.nn.Linear(64, 64)
x = torch.randn(32, 64)
start = 0
for step in range(a.steps):
    if attempt == 0 and rank == a.hang_rank and step == a.hang_step:
        time.sleep(3600)
    t = time.time()
    while time.time() - t < a.step_ms / 1000:
        pass
    w.zero_grad()
    w(x).sum().backward()
    for q in w.parameters():
        dist.all_reduce(q.grad)
    out.write(f"{attempt} {time.time():.6f} {step}\n")
dist.destroy_process_group()
