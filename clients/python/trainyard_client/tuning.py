"""Hyperparameter tuning against a Trainyard server: ask/tell with define-by-run trials.

The server runs the sampler and the pruner; this client only asks for trials, sends each
``suggest_*`` call (one request each, unless the value was drawn at ask time), reports
intermediate values and tells results. Any number of processes or machines can work on one
study. While a trial runs, a daemon thread sends heartbeats, so the server can fail (and retry)
the trial of a worker that died.

Example::

    from trainyard_client import Study, TrialPruned

    study = Study.create("http://127.0.0.1:5000", "svm-search", direction="maximize", sampler="tpe")
    for _ in range(20):
        trial = study.ask()
        c = trial.suggest_float("c", 1e-3, 1e3, log=True)
        kernel = trial.suggest_categorical("kernel", ["rbf", "linear"])
        study.tell(trial, evaluate(c, kernel))
    print(study.best_trial.params)
"""
import math
import threading
import time
import urllib.parse

from ._http import Client, TrainyardError, from_double, json_double

__all__ = ["Study", "Trial", "FrozenTrial", "TrialPruned", "float_distribution", "int_distribution", "categorical_distribution"]


class TrialPruned(Exception):
    """Raise from an objective when ``trial.should_prune()`` says so; ``optimize`` records PRUNED."""


def float_distribution(low, high, log=False, step=None):
    return {"type": "float", "low": low, "high": high, "log": log, "step": step}


def int_distribution(low, high, log=False, step=1):
    return {"type": "int", "low": low, "high": high, "log": log, "step": step}


def categorical_distribution(choices):
    return {"type": "categorical", "choices": list(choices)}


class FrozenTrial:
    """A finished (or running) trial as the server stores it."""

    def __init__(self, data):
        self.number = data["number"]
        self.state = data["state"]
        self.values = None if data.get("values") is None else [from_double(v) for v in data["values"]]
        self.params = dict(data.get("params") or {})
        self.distributions = dict(data.get("distributions") or {})
        self.intermediate_values = {iv["step"]: from_double(iv["value"]) for iv in data.get("intermediate_values") or []}
        self.user_attrs = dict(data.get("user_attrs") or {})
        self.system_attrs = dict(data.get("system_attrs") or {})
        self.datetime_start = data.get("datetime_start")
        self.datetime_complete = data.get("datetime_complete")

    @property
    def value(self):
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise ValueError("trial %d has %d values; use .values" % (self.number, len(self.values)))
        return self.values[0]

    def __repr__(self):
        return "FrozenTrial(number=%d, state=%s, values=%r, params=%r)" % (self.number, self.state, self.values, self.params)


class Trial:
    """A running trial. Values are drawn by the server; a repeated suggest returns the same value.

    At ask the server draws a value for every parameter the study has seen (proposals); a suggest
    that matches one answers without a request, and the values used travel with the next
    ``report`` or ``tell``. Anything else is one request to ``/suggest``.
    """

    def __init__(self, study, data, heartbeat_s, proposals=None):
        self._study = study
        self.number = data["number"]
        self.fixed_params = dict(data.get("fixed_params") or {})
        self._params = dict(data.get("params") or {})
        self._dists = dict(data.get("distributions") or {})
        self._proposals = dict(proposals or {})
        self._unsent = {}
        self._prune = False
        self._finished = threading.Event()
        if heartbeat_s:
            t = threading.Thread(target=self._beat, args=(heartbeat_s,), name="trainyard-heartbeat-%d" % self.number, daemon=True)
            t.start()

    @property
    def params(self):
        return dict(self._params)

    def _path(self, rest):
        return self._study._path("/trials/%d%s" % (self.number, rest))

    def _beat(self, every):
        while not self._finished.wait(every):
            try:
                state = self._study._client.call("POST", self._path("/heartbeat"))["state"]
            except TrainyardError:
                continue  # a missed beat is retried next interval; two in a row fail the trial
            if state != "RUNNING":
                return

    def _suggest(self, name, dist):
        known = self._dists.get(name)
        if known is not None and name in self._params and _same(known, dist):
            return self._params[name]
        proposal = _matching(self._proposals.get(name), dist)
        if known is None and proposal is not None:
            value = proposal["value"]
            self._unsent[name] = {"distribution": dist, "value": value}
            self._params[name] = value
            self._dists[name] = dist
            return value
        value = self._study._client.call("POST", self._path("/suggest"), {"name": name, "distribution": dist})["value"]
        self._params[name] = value
        self._dists[name] = dist
        return value

    def suggest_float(self, name, low, high, log=False, step=None):
        """A float in [low, high]; ``log`` samples log-uniformly, ``step`` on a grid (not both)."""
        return self._suggest(name, float_distribution(low, high, log, step))

    def suggest_int(self, name, low, high, step=1, log=False):
        """An integer in [low, high], both inclusive."""
        return self._suggest(name, int_distribution(low, high, log, step))

    def suggest_categorical(self, name, choices):
        """One of ``choices`` (None, bools, numbers, strings)."""
        return self._suggest(name, categorical_distribution(choices))

    def report(self, value, step):
        """Records an intermediate value; returns (and remembers) whether the pruner says stop."""
        if self._unsent:
            self._study._client.call("POST", self._path("/update"), {"params": self.take_unsent()})
        res = self._study._client.call("POST", self._path("/report"), {"value": json_double(float(value)), "step": int(step)})
        self._prune = bool(res["should_prune"])
        return self._prune

    def should_prune(self):
        """The pruner's answer to the last ``report`` (False before any)."""
        return self._prune

    def take_unsent(self):
        """Params taken from proposals and not yet recorded by the server (they go with tell)."""
        out, self._unsent = self._unsent, {}
        return out


def _matching(proposal, dist):
    """The server's value for exactly this distribution (its main one or another range), if any."""
    if proposal is None:
        return None
    for p in [proposal] + list(proposal.get("others") or []):
        if p.get("distribution") is not None and _same(p["distribution"], dist):
            return p
    return None


def _same(a, b):
    """Whether two distributions (the server's JSON and ours) are the same, so no request is needed."""
    return all(_norm(a, k) == _norm(b, k) for k in ("type", "low", "high", "log", "step", "choices"))


def _norm(d, key):
    v = d.get(key)
    if key == "log":
        return bool(v)  # absent is False
    if key == "choices" and v is not None:
        return [(isinstance(c, bool), c) for c in v]  # True == 1 in Python; not as choices
    return v


class Study:
    """A study on a Trainyard server. Make one with ``Study.create`` or ``Study.load``."""

    def __init__(self, client, data):
        self._client = client
        self.name = data["name"]
        self.directions = list(data["directions"])
        self.info = data

    @classmethod
    def create(cls, url, name, direction=None, directions=None, sampler=None, pruner=None, seed=None, experiment=None,
               heartbeat_interval_ms=10000, max_retry=None, load_if_exists=False, timeout=30.0):
        """Creates a study. ``sampler``/``pruner``: a name ('tpe', 'median', ...) or {"name", "options"}."""
        client = Client(url, timeout)
        body = {"name": name, "direction": direction, "directions": directions, "sampler": sampler, "pruner": pruner, "seed": seed,
                "experiment": experiment, "heartbeat_interval_ms": heartbeat_interval_ms, "max_retry": max_retry, "load_if_exists": load_if_exists}
        return cls(client, client.call("POST", "/api/v1/studies", {k: v for k, v in body.items() if v is not None or k == "heartbeat_interval_ms"})["study"])

    @classmethod
    def load(cls, url, name, timeout=30.0):
        client = Client(url, timeout)
        return cls(client, client.call("GET", "/api/v1/studies/" + urllib.parse.quote(name, safe=""))["study"])

    def _path(self, rest=""):
        return "/api/v1/studies/" + urllib.parse.quote(self.name, safe="") + rest

    @property
    def direction(self):
        if len(self.directions) != 1:
            raise ValueError("study %r has %d objectives; use .directions" % (self.name, len(self.directions)))
        return self.directions[0]

    def ask(self, search_space=None):
        """Starts a trial; params of ``search_space`` ({name: distribution}) are drawn in the same request."""
        res = self._client.call("POST", self._path("/ask"), {"search_space": search_space or {}, "propose": True})
        hb = res.get("heartbeat_interval_ms")
        return Trial(self, res["trial"], hb / 1000.0 if hb else None, res.get("proposals"))

    def tell(self, trial, values=None, state=None, fail_reason=None, skip_if_finished=False):
        """Finishes a trial with its value(s), or ``state="PRUNED"`` / ``state="FAIL"``."""
        number = trial if isinstance(trial, int) else trial.number
        body = {"state": state, "fail_reason": fail_reason, "skip_if_finished": skip_if_finished}
        if isinstance(trial, Trial) and trial._unsent:
            body["params"] = trial.take_unsent()
        if values is not None:
            vals = list(values) if isinstance(values, (list, tuple)) else [values]
            body["values"] = [json_double(float(v)) if isinstance(v, (int, float)) else v for v in vals]
        try:
            res = self._client.call("POST", self._path("/trials/%d/tell" % number), {k: v for k, v in body.items() if v is not None})
        finally:
            if isinstance(trial, Trial):
                trial._finished.set()
        return FrozenTrial(res["trial"])

    def enqueue_trial(self, params, user_attrs=None, skip_if_exists=False):
        self._client.call("POST", self._path("/enqueue"), {"params": params, "user_attrs": user_attrs, "skip_if_exists": skip_if_exists})

    def get_trials(self, states=None):
        out, token = [], None
        while True:
            res = self._client.call("GET", self._path("/trials"), query={"states": states, "page_token": token})
            out.extend(FrozenTrial(t) for t in res["trials"])
            token = res.get("next_page_token")
            if not token:
                return out

    @property
    def trials(self):
        return self.get_trials()

    @property
    def best_trial(self):
        return FrozenTrial(self._client.call("GET", self._path("/best-trial"))["trial"])

    @property
    def best_value(self):
        return self.best_trial.value

    @property
    def best_params(self):
        return self.best_trial.params

    @property
    def best_trials(self):
        return [FrozenTrial(t) for t in self._client.call("GET", self._path("/best-trials"))["trials"]]

    def optimize(self, func, n_trials=None, timeout=None, catch=()):
        """Runs ``func(trial)`` on new trials until ``n_trials`` have run or ``timeout`` seconds passed."""
        start, done = time.monotonic(), 0
        while (n_trials is None or done < n_trials) and (timeout is None or time.monotonic() - start < timeout):
            done += 1
            trial = self.ask()
            try:
                result = func(trial)
            except TrialPruned:
                self.tell(trial, state="PRUNED", skip_if_finished=True)
                continue
            except Exception as e:  # noqa: BLE001 - recorded on the trial, re-raised unless caught
                self.tell(trial, state="FAIL", fail_reason="%s: %s" % (type(e).__name__, e), skip_if_finished=True)
                if isinstance(e, tuple(catch)):
                    continue
                raise
            vals = list(result) if isinstance(result, (list, tuple)) else [result]
            if len(vals) != len(self.directions) or any(not isinstance(v, (int, float)) or math.isnan(v) for v in vals):
                self.tell(trial, state="FAIL", fail_reason="objective returned %r for %d objective(s)" % (result, len(self.directions)), skip_if_finished=True)
                continue
            # skip_if_finished: the server may have failed the trial meanwhile (missed heartbeats).
            self.tell(trial, vals, skip_if_finished=True)
