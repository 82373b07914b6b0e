import argparse
from sklearn.model_selection import train_test_split
from common import read, write, labels

ap = argparse.ArgumentParser()
ap.add_argument("--data"); ap.add_argument("--test", type=float); ap.add_argument("--seed", type=int)
ap.add_argument("--train"); ap.add_argument("--holdout")
a = ap.parse_args()
rows = read(a.data)
train, holdout = train_test_split(rows, test_size=a.test, random_state=a.seed, stratify=labels(rows))
write(a.train, train)
write(a.holdout, holdout)
print(f"split: {len(train)} train rows, {len(holdout)} holdout rows")
