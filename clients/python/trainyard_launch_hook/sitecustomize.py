"""Trainyard launch hook: put on PYTHONPATH of every worker by `trainyard launch`.

Why a hook and not log parsing: a script's output says nothing reliable about progress (a rank can
print while stuck, or train for minutes silently), and a straggler is only visible in the time a
rank spends *outside* collectives (DDP's all-reduce inside backward() equalises wall time per step,
see distributed-anchors.md 1.5). So, with no change to the script, this hook:

- counts completed ``Tensor.backward()`` calls and the time spent outside them (own compute), and
  a daemon thread writes them every 0.5 s to ``$TRAINYARD_HEARTBEAT_FILE`` (hang + straggler input);
- records an uncaught exception's traceback and time in ``$TRAINYARD_ERROR_FILE`` so the launcher
  can name the rank that failed first rather than a victim of the collapse;
- asks the kernel to SIGKILL the process when its parent dies (PR_SET_PDEATHSIG), the first line of
  defence against orphans (the launcher's reaper scans /proc/*/environ for the rest).

Cost per step: two monotonic clock reads and a list append.
"""
import json
import os
import sys
import threading
import time


def _pdeathsig():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


_state = {"steps": 0, "last_step_at": None, "phase": "start", "phase_since": time.time(), "own_ms": []}
_lock = threading.Lock()


def _write_beat(path):
    with _lock:
        own = sorted(_state["own_ms"][-20:])
        data = {
            "pid": os.getpid(),
            "steps": _state["steps"],
            "last_step_at": _state["last_step_at"],
            "phase": _state["phase"],
            "phase_since": _state["phase_since"],
            "own_ms": own[len(own) // 2] if own else None,
            "own_samples": len(_state["own_ms"]),
            "written_at": time.time(),
        }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _beat_loop(path):
    while True:
        try:
            _write_beat(path)
        except Exception:
            pass
        time.sleep(0.5)


def _patch_torch(torch):
    original = torch.Tensor.backward
    mono = time.monotonic
    last_end = [None]

    def backward(self, *args, **kwargs):
        start = mono()
        with _lock:
            if last_end[0] is not None:
                _state["own_ms"].append((start - last_end[0]) * 1000.0)
                if len(_state["own_ms"]) > 200:
                    del _state["own_ms"][:100]
            _state["phase"] = "backward"
            _state["phase_since"] = time.time()
        try:
            return original(self, *args, **kwargs)
        finally:
            now = time.time()
            last_end[0] = mono()
            with _lock:
                _state["steps"] += 1
                _state["last_step_at"] = now
                _state["phase"] = "compute"
                _state["phase_since"] = now

    backward.__wrapped__ = original
    torch.Tensor.backward = backward


class _TorchFinder:
    """Patches torch right after its first import, so a script that never imports it pays nothing."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        import importlib.util
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            try:
                _patch_torch(module)
            except Exception:
                pass

        spec.loader.exec_module = exec_and_patch
        return spec


def _install_excepthook(path):
    previous = sys.excepthook

    def hook(kind, value, tb):
        try:
            import traceback
            text = "".join(traceback.format_exception(kind, value, tb))
            with open(path, "w") as f:
                json.dump({"pid": os.getpid(), "timestamp": time.time(), "message": f"{kind.__name__}: {value}", "traceback": text}, f)
        except Exception:
            pass
        previous(kind, value, tb)

    sys.excepthook = hook


def _chain_next_sitecustomize():
    # We shadow the interpreter's own sitecustomize (Debian's); load it as well.
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import importlib.machinery
        import importlib.util
        rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
    except Exception:
        pass


if os.environ.get("TRAINYARD_JOB_ID") and os.environ.get("RANK") is not None:
    _pdeathsig()
    beat = os.environ.get("TRAINYARD_HEARTBEAT_FILE")
    # Only the worker itself beats: its Python children (data loader workers) inherit the
    # environment but not the file.
    if beat and not os.environ.get("_TRAINYARD_HOOKED"):
        os.environ["_TRAINYARD_HOOKED"] = "1"
        sys.meta_path.insert(0, _TorchFinder())
        threading.Thread(target=_beat_loop, args=(beat,), daemon=True, name="trainyard-heartbeat").start()
        import atexit
        atexit.register(lambda: _write_beat(beat))
        err = os.environ.get("TRAINYARD_ERROR_FILE")
        if err:
            _install_excepthook(err)
_chain_next_sitecustomize()
