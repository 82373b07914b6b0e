"""Metrics to a tracking run in Trainyard's binary batch format (docs/metric-batch-binary.md).

MLflow's JSON costs the server a JSON parse and a string per point; this format carries a key
dictionary and typed columns the server reads as views. It is Trainyard's own: an MLflow server
does not read it, so use the MLflow client there.

    from trainyard_client.metrics import log_metric_batch
    log_metric_batch("http://127.0.0.1:5000", run_id, [("loss", 0.25, 1700000000000, 0), ...])
"""
import struct
import sys
import time
from array import array

from ._http import Client

__all__ = ["CONTENT_TYPE", "MAX_POINTS", "encode_metric_batch", "log_metric_batch"]

CONTENT_TYPE = "application/vnd.trainyard.metrics+binary"
#: Points per request the server accepts in this format (MLflow's JSON takes 1,000).
MAX_POINTS = 100000
_VERSION = 1


def _typed(code, size, values):
    a = array(code, values)
    if a.itemsize != size:
        raise RuntimeError("array(%r) is %d bytes on this platform, expected %d" % (code, a.itemsize, size))
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()


# array's "q" is 8 bytes wherever Python 3 runs; "I" is 4 on every common platform, else "L".
_U32 = "I" if array("I").itemsize == 4 else "L"


def encode_metric_batch(points):
    """``points``: (key, value, timestamp_ms, step) tuples, or dicts with those names. Returns bytes."""
    keys, index = [], {}
    values, timestamps, steps, key_index = [], [], [], []
    for p in points:
        if isinstance(p, dict):
            key, value, ts, step = p["key"], p["value"], p.get("timestamp"), p.get("step", 0)
        else:
            key, value, ts, step = p
        if ts is None:
            ts = int(time.time() * 1000)
        if "\n" in key:
            raise ValueError("metric key %r contains a line break" % key)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("metric %r: value must be a number, got %r" % (key, value))
        for what, v in (("timestamp", ts), ("step", step)):
            if isinstance(v, bool) or not isinstance(v, int) or not -(2 ** 53) < v < 2 ** 53:
                raise ValueError("metric %r: %s must be an integer within +-2**53, got %r" % (key, what, v))
        values.append(float(value))
        timestamps.append(ts)
        steps.append(step)
        key_index.append(index[key])
    dictionary = "\n".join(keys).encode("utf-8")
    header = struct.pack("<4sB3xIIII", b"TYMB", _VERSION, len(values), len(keys), len(dictionary), 0)
    return b"".join([header, _typed("d", 8, values), _typed("q", 8, timestamps), _typed("q", 8, steps), _typed(_U32, 4, key_index), dictionary])


def log_metric_batch(url_or_client, run_id, points, timeout=30.0):
    """Logs ``points`` to ``run_id``, MAX_POINTS a request; each request is all-or-nothing."""
    client = url_or_client if isinstance(url_or_client, Client) else Client(url_or_client, timeout)
    points = list(points)
    for i in range(0, max(len(points), 1), MAX_POINTS):
        client.post_bytes("/api/2.0/mlflow/runs/log-batch", encode_metric_batch(points[i:i + MAX_POINTS]), CONTENT_TYPE, {"run_id": run_id})
