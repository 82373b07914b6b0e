"""Runs Optuna 3.1 on the suite; called by run.ts with /usr/bin/python3 (Debian's Optuna).

usage: optuna_runner.py quality PROBLEMS SEEDS BUDGET OUT.json
       optuna_runner.py ask N_TRIALS OUT.json
quality writes {problem: {seed: [values per trial]}} (lists of lists for multi-objective),
using Optuna's default sampler for the study: TPESampler for one objective, NSGAIISampler for
several (create_study's default in 3.1). ask times study.ask() plus the 10 suggest calls on
griewank10 with the default TPESampler: wall and process CPU ms per trial."""
import json, math, sys, time
import optuna
from problems import PROBLEMS

optuna.logging.set_verbosity(optuna.logging.WARNING)


def quality(problems, seeds, budget, out):
    res = {}
    for p in problems:
        fn, n_obj = PROBLEMS[p]
        res[p] = {}
        for seed in seeds:
            sampler = optuna.samplers.TPESampler(seed=seed) if n_obj == 1 else optuna.samplers.NSGAIISampler(seed=seed)
            study = optuna.create_study(directions=["minimize"] * n_obj, sampler=sampler)
            study.optimize(fn, n_trials=budget)
            res[p][seed] = [t.values if n_obj > 1 else t.value for t in study.trials]
    json.dump(res, open(out, "w"))


def ask(n_trials, out):
    wall, cpu = [], []
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    for _ in range(n_trials):
        c0 = time.process_time()
        t0 = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(f"x{j}", -600, 600) for j in range(10)]
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        p = 1.0
        for i, v in enumerate(x):
            p *= math.cos(v / math.sqrt(i + 1))
        study.tell(trial, 1 + sum(v * v for v in x) / 4000 - p)
    json.dump({"wall": wall, "cpu": cpu}, open(out, "w"))


if __name__ == "__main__":
    if sys.argv[1] == "quality":
        quality(sys.argv[2].split(","), [int(s) for s in sys.argv[3].split(",")], int(sys.argv[4]), sys.argv[5])
    else:
        ask(int(sys.argv[2]), sys.argv[3])
