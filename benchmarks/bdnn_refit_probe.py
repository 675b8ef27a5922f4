"""Would SH-BDNN gain from training on its validation rows too, once they have chosen?

``preset="auto"`` carves a validation split from the training rows (10 %, at most
1,000), races its candidate settings on it and stops at the best alternation; the
final network never trains on those rows, while SDH fits on all of them. This probe
fits the default, then fits again on every training row with the chosen settings
for the chosen number of alternations (``val_size=0, patience=0``), and prints the
test mAP of both and their fit seconds.

Usage (one thread; benchmarks/results/bdnn.md section 6e)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_refit_probe.py digits 8,16,24,32 --seed 0
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_refit_probe.py cifar10-1k 32,16 --seed 0

Only protocols without a validation split of their own: where the protocol holds one
(``mnist-10k-5k``'s 1,000 labelled validation images) ``hashlearn bench`` chooses on
those rows, and "every training row" would mean training rows the baselines never get.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

import hashlearn
from hashlearn.bench.data import BenchData, load_benchmark_data
from hashlearn.metrics import mean_average_precision


def query_map(model: Any, data: BenchData, n_bits: int) -> float:
    """mAP of the protocol's queries against its database."""
    queries, database = model.encode(data.X_query), model.encode(data.X_db)
    return float(mean_average_precision(queries, database, data.y_query, data.y_db, n_bits=n_bits))


def timed_fit(data: BenchData, **params: Any) -> tuple[Any, float]:
    """SH-BDNN with ``params`` fitted on the protocol's training rows, and its seconds."""
    tic = time.perf_counter()
    model = hashlearn.create("sh-bdnn", **params).fit(data.X_train, data.y_train)
    return model, time.perf_counter() - tic


def refit_settings(model: Any) -> dict[str, Any]:
    """The settings ``model`` chose, to run on every training row for its best alternations."""
    chosen = model.settings_
    return {
        "lambda1": chosen["lambda1"],
        "hidden_sizes": tuple(chosen["hidden_sizes"]),
        "n_pretrain_iter": chosen["n_pretrain_iter"],
        "max_alternations": int(np.argmax(model.val_scores_)),
        "val_size": 0,
        "patience": 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("protocol")
    ap.add_argument("bits", help="comma-separated code lengths")
    ap.add_argument("--seed", type=int, default=0, help="random_state of both fits")
    args = ap.parse_args()
    data = load_benchmark_data(args.protocol, seed=0)
    if data.X_val is not None:
        ap.error(f"{args.protocol} has a validation split of its own; see the docstring")
    for n_bits in map(int, args.bits.split(",")):
        common = {"n_bits": n_bits, "random_state": args.seed}
        default, default_s = timed_fit(data, **common)
        settings = refit_settings(default)
        refit, refit_s = timed_fit(data, **common, **settings)
        row = {
            "protocol": args.protocol,
            "bits": n_bits,
            "seed": args.seed,
            "default_map": round(query_map(default, data, n_bits), 4),
            "refit_map": round(query_map(refit, data, n_bits), 4),
            "chosen": {k: settings[k] for k in ("lambda1", "max_alternations")},
            "default_s": round(default_s, 1),
            "refit_s": round(refit_s, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
