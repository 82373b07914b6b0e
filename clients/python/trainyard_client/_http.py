"""JSON over HTTP with the standard library only (urllib): the one place that talks to the server."""
import base64
import os
import json
import math
import urllib.error
import urllib.parse
import urllib.request


class TrainyardError(Exception):
    """An error answer from the server: ``error_code`` (MLflow's names) and a message saying what to fix."""

    def __init__(self, status, error_code, message):
        super().__init__("%s (%s): %s" % (error_code, status, message))
        self.status = status
        self.error_code = error_code
        self.message = message


def json_double(v):
    """A float for JSON: NaN and infinities travel as the strings the API accepts."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def from_double(v):
    """The API's "NaN" / "Infinity" / "-Infinity" strings back to floats."""
    if isinstance(v, str) and v in ("NaN", "Infinity", "-Infinity"):
        return float(v.replace("Infinity", "inf").replace("NaN", "nan"))
    return v


class Client:
    """Calls ``/api/v1/...`` on one server. Timeouts in seconds (default 30)."""

    def __init__(self, url, timeout=30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method, path, body=None, query=None):
        data = None
        headers = {}
        if method != "GET":
            # allow_nan=False: a stray NaN must fail here, not reach the server as invalid JSON.
            data = json.dumps({} if body is None else body, allow_nan=False).encode("utf-8")
            headers["content-type"] = "application/json"
        return self._send(method, path, data, headers, query)

    def post_bytes(self, path, data, content_type, query=None):
        """POSTs a non-JSON body (the binary metric batch); the answer is JSON as for ``call``."""
        return self._send("POST", path, data, {"content-type": content_type}, query)

    def _send(self, method, path, data, headers, query):
        url = self.url + path
        if query:
            pairs = []
            for k, v in query.items():
                if v is None:
                    continue
                for item in v if isinstance(v, (list, tuple)) else [v]:
                    pairs.append((k, str(item)))
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        # A server started with --auth: TRAINYARD_TOKEN (or MLflow's variables) as credentials.
        token = os.environ.get("TRAINYARD_TOKEN") or os.environ.get("MLFLOW_TRACKING_TOKEN")
        if token:
            headers["authorization"] = "Bearer " + token
        elif os.environ.get("MLFLOW_TRACKING_USERNAME") and os.environ.get("MLFLOW_TRACKING_PASSWORD"):
            pair = os.environ["MLFLOW_TRACKING_USERNAME"] + ":" + os.environ["MLFLOW_TRACKING_PASSWORD"]
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                err = json.loads(text)
            except ValueError:
                err = {}
            raise TrainyardError(e.code, err.get("error_code", "HTTP_%d" % e.code), err.get("message", text)) from None
        except urllib.error.URLError as e:
            raise TrainyardError(0, "TEMPORARILY_UNAVAILABLE", "cannot reach the Trainyard server at %s: %s" % (self.url, e.reason)) from None
        return json.loads(text) if text else {}
