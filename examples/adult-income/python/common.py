"""Shared by the scikit-learn steps: the Adult CSV (gzipped or not) read with the standard library
and numpy only (Debian's python3-sklearn brings no pandas)."""
import csv, gzip
import numpy as np

NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = ["workclass", "marital_status", "occupation", "relationship", "education", "native_country"]
SENSITIVE = ["sex", "race"]
TARGET = "income"


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def features(rows):
    """Numeric columns as floats (NaN for '?'), then categorical ones as strings ('missing' for '?')."""
    num = [[float(r[c]) if r[c] not in ("", "?") else np.nan for c in NUMERIC] for r in rows]
    cat = [[r[c] if r[c] not in ("", "?") else "missing" for c in CATEGORICAL] for r in rows]
    return np.array(num, dtype=float), np.array(cat, dtype=object)


def labels(rows):
    return np.array([1 if r[TARGET] == ">50K" else 0 for r in rows])
