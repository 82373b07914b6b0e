"""Helpers for a script started by ``trainyard launch`` (stdlib only; torch is imported lazily).

The launcher gives every worker torchrun's environment plus:
  TRAINYARD_JOB_ID, TRAINYARD_RUN_ID, TRAINYARD_CHECKPOINT_DIR, TRAINYARD_METRICS_FILE,
  TRAINYARD_TRACKING_URI (and MLFLOW_TRACKING_URI / MLFLOW_RUN_ID when a server is used),
  TRAINYARD_RESUME_FROM (a checkpoint file of an earlier run, from ``--resume-from``).

Checkpoints: ``save_checkpoint`` writes ``step-<n>.pt`` atomically (temp file + rename) and then
``latest.json`` (step, path, sha256); the launcher records the latest one on the tracking run.
A kill -9 at any moment leaves the previous checkpoint loadable.
"""
import hashlib
import json
import os
import time

__all__ = ["rank", "world_size", "is_rank0", "log_metrics", "save_checkpoint", "load_checkpoint", "checkpoint_dir"]


def rank():
    return int(os.environ.get("RANK", "0"))


def world_size():
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_rank0():
    return rank() == 0


def checkpoint_dir():
    return os.environ.get("TRAINYARD_CHECKPOINT_DIR") or os.path.join(os.getcwd(), "checkpoints")


def log_metrics(metrics, step=None, all_ranks=False):
    """Sends metrics to the job's tracking run (rank 0 only unless ``all_ranks``).

    Lines go to ``$TRAINYARD_METRICS_FILE``; the launcher forwards rank 0's to the run, so this
    works with a server and with the local store alike and never blocks training on the network.
    """
    if not all_ranks and not is_rank0():
        return
    path = os.environ.get("TRAINYARD_METRICS_FILE")
    if not path:
        return
    line = json.dumps({"metrics": {k: float(v) for k, v in metrics.items()}, "step": step, "timestamp": int(time.time() * 1000)})
    with open(path, "a") as f:
        f.write(line + "\n")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(state, step, keep=2):
    """Saves ``state`` (anything torch.save takes) as the checkpoint of ``step``; rank 0 only."""
    if not is_rank0():
        return None
    import torch

    d = checkpoint_dir()
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"step-{step:08d}.pt")
    tmp = path + ".tmp"
    torch.save(state, tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    meta = {"step": step, "path": path, "sha256": _sha256(path), "saved_at": time.time()}
    with open(os.path.join(d, "latest.json.tmp"), "w") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(os.path.join(d, "latest.json.tmp"), os.path.join(d, "latest.json"))
    old = sorted(n for n in os.listdir(d) if n.startswith("step-") and n.endswith(".pt"))
    for name in old[:-keep]:
        try:
            os.remove(os.path.join(d, name))
        except OSError:
            pass
    return meta


def load_checkpoint(map_location="cpu"):
    """The latest checkpoint of this job, else ``$TRAINYARD_RESUME_FROM``, else None."""
    import torch

    latest = os.path.join(checkpoint_dir(), "latest.json")
    path = None
    if os.path.exists(latest):
        with open(latest) as f:
            path = json.load(f)["path"]
    elif os.environ.get("TRAINYARD_RESUME_FROM"):
        path = os.environ["TRAINYARD_RESUME_FROM"]
    if not path:
        return None
    return torch.load(path, map_location=map_location)
