import argparse, pickle
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from common import read, features, labels, NUMERIC, CATEGORICAL

ap = argparse.ArgumentParser()
ap.add_argument("--train"); ap.add_argument("--C", type=float); ap.add_argument("--seed", type=int); ap.add_argument("--model")
a = ap.parse_args()
rows = read(a.train)
num, cat = features(rows)
X = np.concatenate([num.astype(object), cat], axis=1)
n = len(NUMERIC)
pre = ColumnTransformer([
    ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(range(n))),
    ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(n, n + len(CATEGORICAL)))),
])
model = make_pipeline(pre, LogisticRegression(C=a.C, max_iter=1000, random_state=a.seed))
model.fit(X, labels(rows))
with open(a.model, "wb") as f:
    pickle.dump(model, f)
print(f"train: fitted on {len(rows)} rows")
