"""The Python client against a live server (TRAINYARD_URI). Run by test/tuning-python.int.test.ts."""
import math
import os
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from trainyard_client import Study, TrainyardError, TrialPruned, float_distribution  # noqa: E402

URL = os.environ.get("TRAINYARD_URI", "http://127.0.0.1:5000")


def name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class TuningTest(unittest.TestCase):
    def test_define_by_run_ask_tell_and_best_trial(self):
        study = Study.create(URL, name("py"), direction="minimize", sampler={"name": "tpe", "options": {"n_startup_trials": 5}}, seed=1)
        for _ in range(15):
            trial = study.ask()
            x = trial.suggest_float("x", -10, 10)
            n = trial.suggest_int("n", 1, 9, step=2)
            k = trial.suggest_categorical("k", ["a", "b", None])
            self.assertEqual(trial.suggest_float("x", -10, 10), x)
            self.assertIn(n, (1, 3, 5, 7, 9))
            self.assertIn(k, ("a", "b", None))
            done = study.tell(trial, (x - 2) ** 2 + n)
            self.assertEqual(done.state, "COMPLETE")
        best = study.best_trial
        self.assertEqual(best.value, min(t.value for t in study.trials))
        self.assertEqual(set(best.params), {"x", "n", "k"})
        self.assertEqual(Study.load(URL, study.name).best_trial.number, best.number)

    def test_a_trial_with_known_params_costs_two_requests(self):
        study = Study.create(URL, name("two"), direction="minimize", sampler="tpe", seed=4, heartbeat_interval_ms=None)
        first = study.ask()
        first.suggest_float("x", -1, 1)
        first.suggest_categorical("k", [True, 1, "1"])
        study.tell(first, 1.0)
        calls = []
        real = study._client.call
        study._client.call = lambda method, path, *a, **kw: calls.append(path.rsplit("/", 1)[-1]) or real(method, path, *a, **kw)
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        k = trial.suggest_categorical("k", [True, 1, "1"])
        done = study.tell(trial, x * x)
        self.assertEqual(calls, ["ask", "tell"])
        self.assertEqual(done.params, {"x": x, "k": k})
        self.assertIs(type(done.params["k"]), type(k))  # True stays True, 1 stays 1
        calls.clear()
        third = study.ask()
        third.suggest_float("x", -2, 2)  # a range the study has not used: the server draws it
        third.report(0.5, 0)
        study.tell(third, 0.5)
        self.assertEqual(calls, ["ask", "suggest", "report", "tell"])
        calls.clear()
        fourth = study.ask()
        self.assertTrue(-2 <= fourth.suggest_float("x", -2, 2) <= 2)  # used once: proposed now
        self.assertTrue(-1 <= fourth.suggest_float("y", -1, 1) <= 1)
        study.tell(fourth, 0.1)
        self.assertEqual(calls, ["ask", "suggest", "tell"])  # only 'y' is new

    def test_search_space_at_ask_log_and_step(self):
        study = Study.create(URL, name("space"), direction="maximize", sampler="random")
        trial = study.ask({"lr": float_distribution(1e-5, 1e-1, log=True)})
        lr = trial.params["lr"]
        self.assertTrue(1e-5 <= lr <= 1e-1)
        self.assertEqual(trial.suggest_float("lr", 1e-5, 1e-1, log=True), lr)
        self.assertAlmostEqual(trial.suggest_float("m", 0, 1, step=0.25) % 0.25, 0)
        study.tell(trial, 1.0)

    def test_report_should_prune_and_optimize(self):
        study = Study.create(URL, name("prune"), direction="minimize", sampler="random", pruner={"name": "threshold", "options": {"upper": 5}})

        def objective(trial):
            x = trial.suggest_int("x", 0, 9)
            for step in range(3):
                trial.report(x + step, step)
                if trial.should_prune():
                    raise TrialPruned()
            return x

        study.optimize(objective, n_trials=10)
        for t in study.trials:
            self.assertEqual(t.state, "PRUNED" if t.params["x"] + 2 > 5 else "COMPLETE")
            if t.state == "PRUNED":
                self.assertEqual(t.value, t.intermediate_values[max(t.intermediate_values)])

    def test_fail_prune_infinity_and_multi_objective(self):
        study = Study.create(URL, name("mo"), directions=["minimize", "maximize"])
        a = study.ask()
        study.tell(a, [float("inf"), 1.0])
        self.assertEqual(study.get_trials(states=["COMPLETE"])[0].values, [math.inf, 1.0])
        b = study.ask()
        self.assertEqual(study.tell(b, state="FAIL", fail_reason="oom").system_attrs["fail_reason"], "oom")
        self.assertEqual([t.number for t in study.best_trials], [a.number])

    def test_bad_input_names_the_parameter(self):
        study = Study.create(URL, name("bad"), direction="minimize")
        trial = study.ask()
        with self.assertRaises(TrainyardError) as e:
            trial.suggest_float("lr", 0, 1, log=True)
        self.assertEqual(e.exception.status, 400)
        self.assertIn("'lr'", e.exception.message)
        with self.assertRaises(TrainyardError) as e:
            trial.suggest_float("x", 5, 1)
        self.assertIn("low (5) must be <= high (1)", e.exception.message)
        trial.suggest_float("y", 0, 1)
        with self.assertRaises(TrainyardError) as e:
            trial.suggest_int("y", 0, 1)
        self.assertIn("'y' was already suggested", e.exception.message)
        with self.assertRaises(TrainyardError) as e:
            study.tell(trial, float("nan"))
        self.assertIn("'values'", e.exception.message)
        with self.assertRaises(TrainyardError) as e:
            study.tell(trial, [1.0, 2.0])
        self.assertIn("1 objective(s) but 2 value(s)", e.exception.message)
        study.tell(trial, 0.5)
        with self.assertRaises(TrainyardError) as e:
            study.tell(trial, 0.5)
        self.assertEqual(e.exception.error_code, "INVALID_STATE")
        with self.assertRaises(TrainyardError) as e:
            Study.load(URL, name("missing"))
        self.assertEqual(e.exception.status, 404)

    def test_heartbeats_keep_a_slow_trial_alive(self):
        study = Study.create(URL, name("hb"), direction="minimize", heartbeat_interval_ms=100)
        trial = study.ask()
        time.sleep(0.6)  # three grace periods; the daemon thread beats every 0.1 s
        study.ask()  # the server sweeps stale trials at ask
        self.assertEqual(study.tell(trial, 1.0).state, "COMPLETE")


if __name__ == "__main__":
    unittest.main()
