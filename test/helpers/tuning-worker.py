"""A tuning worker in Python (stdlib client) for test/tuning-workers.int.test.ts; same objective
and output as tuning-worker.mjs. Usage: python3 tuning-worker.py URL STUDY N_TRIALS"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
from trainyard_client import Study  # noqa: E402

url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
study = Study.load(url, name)
for _ in range(n):
    trial = study.ask()
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 0, 10)
    print("START %d" % trial.number, flush=True)
    for step in range(4):
        time.sleep(0.05)
        trial.report((x - 1) ** 2 + y + 1 / (step + 1), step)
    print("END %d" % trial.number, flush=True)
    study.tell(trial, (x - 1) ** 2 + y, skip_if_finished=True)
