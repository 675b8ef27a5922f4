"""Why SH-BDNN loses to SDH on 5,000 MNIST labels: fit quality against generalisation.

Fits SH-BDNN (the paper preset plus the settings given as JSON) or SDH on the
``mnist-10k-5k`` protocol (500 training and 100 validation images per class, the
10,000 test queries against the 60,000 training images) and prints, besides the
test mAP and precision within radius 2:

* ``train_map``: the first 1,000 training images queried against the 5,000 training
  images (how well the codes fit the rows the network trained on);
* ``valval``: the even validation rows queried against the odd ones (a database the
  network never saw, as the test database mostly is);
* ``val``: the paper's early-stopping score per stage (validation against training).

Usage (one thread; section 6 of benchmarks/results/bdnn.md)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_diagnose.py 32 '{"lambda1": 1e-3}'
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_diagnose.py 32 '{}' --method sdh
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

import hashlearn
from hashlearn.data import get_protocol, load_mnist
from hashlearn.data.mnist import mnist_features
from hashlearn.metrics import mean_average_precision, precision_at_radius


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bits", type=int)
    ap.add_argument("params", nargs="?", default="{}", help="JSON settings of the model")
    ap.add_argument("--method", default="sh-bdnn", choices=["sh-bdnn", "sdh"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    X, y = mnist_features().astype(np.float64), load_mnist().labels
    p = get_protocol("mnist-10k-5k", seed=0)
    Xtr, ytr, Xv, yv = X[p.train_idx], y[p.train_idx], X[p.val_idx], y[p.val_idx]
    params = json.loads(args.params)
    tic = time.perf_counter()
    if args.method == "sdh":
        model = hashlearn.create("sdh", n_bits=args.bits, random_state=0, **params).fit(Xtr, ytr)
    else:
        model = hashlearn.create(
            "sh-bdnn", n_bits=args.bits, random_state=0, preset="paper", **params
        ).fit(Xtr, ytr, X_val=Xv, y_val=yv)
    fit_s = time.perf_counter() - tic
    n = args.bits
    queries, database = model.encode(X[p.query_idx]), model.encode(X[p.database_idx])
    yq, ydb = y[p.query_idx], y[p.database_idx]
    val_codes, train_codes = model.encode(Xv), model.encode(Xtr)
    row = {
        "method": args.method,
        "bits": n,
        "params": params,
        "map": mean_average_precision(queries, database, yq, ydb, n_bits=n),
        "p@r2": precision_at_radius(queries, database, yq, ydb, radius=2, n_bits=n),
        "train_map": mean_average_precision(
            train_codes[:1000], train_codes, ytr[:1000], ytr, n_bits=n
        ),
        "valval": mean_average_precision(
            val_codes[::2], val_codes[1::2], yv[::2], yv[1::2], n_bits=n
        ),
        "val": [round(s, 4) for s in getattr(model, "val_scores_", [])],
        "fit_s": round(fit_s, 1),
        "load": os.getloadavg()[0],
    }
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))


if __name__ == "__main__":
    main()
