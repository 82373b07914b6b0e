import argparse, json, pickle
import numpy as np
from sklearn import metrics as M
from common import read, features, labels, SENSITIVE

ap = argparse.ArgumentParser()
ap.add_argument("--model"); ap.add_argument("--holdout"); ap.add_argument("--metrics")
a = ap.parse_args()
rows = read(a.holdout)
with open(a.model, "rb") as f:
    model = pickle.load(f)
num, cat = features(rows)
X = np.concatenate([num.astype(object), cat], axis=1)
y = labels(rows)
p = model.predict_proba(X)[:, 1]
pred = (p >= 0.5).astype(int)
out = dict(auc=M.roc_auc_score(y, p), pr_auc=M.average_precision_score(y, p), accuracy=M.accuracy_score(y, pred),
           f1=M.f1_score(y, pred), log_loss=M.log_loss(y, p))
for s in SENSITIVE:
    g = np.array([r[s] for r in rows])
    # Groups under 30 rows are left out of the gaps, as in the TypeScript evaluateModel.
    rates = [pred[g == k].mean() for k in sorted(set(g)) if (g == k).sum() >= 30]
    out[f"fairness.{s}.di_ratio"] = float(min(rates) / max(rates)) if max(rates) > 0 else 1.0
    out[f"fairness.{s}.dp_diff"] = float(max(rates) - min(rates))
out["di_ratio"] = min(out[f"fairness.{s}.di_ratio"] for s in SENSITIVE)
with open(a.metrics, "w") as f:
    json.dump(out, f, indent=2)
print(f"evaluate: AUC {out['auc']:.3f}, DI ratio {out['di_ratio']:.3f}")
