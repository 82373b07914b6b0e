"""Trainyard's Python client, standard library only.

Tracking and the registry speak MLflow's REST API, so use the MLflow client for those
(``MLFLOW_TRACKING_URI=http://...``). This package covers Trainyard's native endpoints:
hyperparameter tuning with ask/tell (``Study``, ``Trial``).
"""
from ._http import TrainyardError
from .tuning import FrozenTrial, Study, Trial, TrialPruned, categorical_distribution, float_distribution, int_distribution

__all__ = ["Study", "Trial", "FrozenTrial", "TrialPruned", "TrainyardError", "float_distribution", "int_distribution", "categorical_distribution"]
__version__ = "0.1.0"
