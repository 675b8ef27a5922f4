"""Why SH-BDNN loses to SDH: fit quality against generalisation, on any protocol.

Fits SH-BDNN (``--preset``, the paper's by default, plus the settings given as
JSON) or SDH on a benchmark protocol (``mnist-10k-5k`` by default) and prints,
besides the test mAP and precision within radius 2:

* ``train_map``: the first 1,000 training rows queried against the training rows
  (how well the codes fit the rows the model trained on);
* ``query_vs_train``: the test queries against the training rows only (where unseen
  images fall among the seen ones);
* ``unseen_map``: the test queries against the database rows that are not training
  rows (unseen against unseen: most of the test database);
* ``valval``: the even validation rows queried against the odd ones, where the
  protocol has validation rows of its own;
* ``val``: SH-BDNN's early-stopping score per stage.

Usage (one thread; section 6 of benchmarks/results/bdnn.md)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_diagnose.py 32 '{"lambda1": 1e-3}'
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_diagnose.py 32 '{}' --method sdh
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_diagnose.py 32 --protocol cifar10-1k \\
        --preset auto
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
import torch

import hashlearn
from hashlearn.bench.data import BenchData, digits_split, load_benchmark_data
from hashlearn.data import get_protocol
from hashlearn.metrics import mean_average_precision, precision_at_radius


def seen_in_database(protocol: str, seed: int) -> np.ndarray:
    """A mask over the database rows: True where the row is also a training row."""
    if protocol == "digits":
        split = digits_split(seed)
        return np.isin(split["database"], split["train"])
    proto = get_protocol(protocol, seed=seed)
    return np.isin(proto.database_idx, proto.train_idx)


def fit(method: str, bits: int, preset: str, params: dict[str, Any], data: BenchData) -> Any:
    """SDH, or SH-BDNN with the protocol's validation rows where it has them."""
    if method == "sdh":
        model = hashlearn.create("sdh", n_bits=bits, random_state=0, **params)
        return model.fit(data.X_train, data.y_train)
    model = hashlearn.create("sh-bdnn", n_bits=bits, random_state=0, preset=preset, **params)
    validation = {} if data.X_val is None else {"X_val": data.X_val, "y_val": data.y_val}
    return model.fit(data.X_train, data.y_train, **validation)


def diagnose(model: Any, data: BenchData, seen: np.ndarray, bits: int) -> dict[str, Any]:
    """The scores of the module docstring for a fitted ``model``."""
    queries, database = model.encode(data.X_query), model.encode(data.X_db)
    train_codes = model.encode(data.X_train)
    yq, ydb, ytr = data.y_query, data.y_db, data.y_train

    def score(q: np.ndarray, db: np.ndarray, y_q: np.ndarray, y_db: np.ndarray) -> float:
        return mean_average_precision(q, db, y_q, y_db, n_bits=bits)

    row = {
        "map": score(queries, database, yq, ydb),
        "p@r2": precision_at_radius(queries, database, yq, ydb, radius=2, n_bits=bits),
        "train_map": score(train_codes[:1000], train_codes, ytr[:1000], ytr),
        "query_vs_train": score(queries, train_codes, yq, ytr),
        "unseen_map": score(queries, database[~seen], yq, ydb[~seen]),
    }
    if data.X_val is not None and data.y_val is not None:
        val_codes, yv = model.encode(data.X_val), data.y_val
        row["valval"] = score(val_codes[::2], val_codes[1::2], yv[::2], yv[1::2])
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bits", type=int)
    ap.add_argument("params", nargs="?", default="{}", help="JSON settings of the model")
    ap.add_argument("--method", default="sh-bdnn", choices=["sh-bdnn", "sdh"])
    ap.add_argument("--protocol", default="mnist-10k-5k")
    ap.add_argument("--preset", default="paper", choices=["paper", "auto"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_benchmark_data(args.protocol, seed=0)
    for part in ("X_train", "X_query", "X_db", "X_val"):
        if getattr(data, part) is not None:
            setattr(data, part, getattr(data, part).astype(np.float64))
    params = json.loads(args.params)
    tic = time.perf_counter()
    model = fit(args.method, args.bits, args.preset, params, data)
    fit_s = time.perf_counter() - tic
    row = {"protocol": args.protocol, "method": args.method, "bits": args.bits}
    row |= {"preset": args.preset if args.method == "sh-bdnn" else None, "params": params}
    row |= diagnose(model, data, seen_in_database(args.protocol, 0), args.bits)
    row |= {"val": [round(s, 4) for s in getattr(model, "val_scores_", [])]}
    row |= {"fit_s": round(fit_s, 1), "load": os.getloadavg()[0]}
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))


if __name__ == "__main__":
    main()
