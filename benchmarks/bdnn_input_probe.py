"""Does SH-BDNN's input representation explain its gap to SDH? One fit per call.

Fits SH-BDNN (or SDH) on a benchmark protocol after mapping every row (training,
validation, queries, database) through one input transform, and prints the test mAP:

* ``raw``: the protocol's features as they are;
* ``center``: minus the training mean;
* ``z``: centred and divided by each feature's training standard deviation;
* ``cl2``: centred, then each row scaled to unit length;
* ``rbfN``: SDH's own input, the RBF kernel on N anchors drawn from the training rows
  (bandwidth: mean distance to the nearest anchor), centred (``rbf1000``: SDH's default).

Usage (one thread; benchmarks/results/bdnn.md section 6c)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_input_probe.py digits 8,32 rbf1000 \\
        '{"preset": "paper"}'
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_input_probe.py cifar10-1k 32 z \\
        '{"preset": "paper", "lambda1": 1e-3}'
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_input_probe.py digits 8,32 raw --method sdh
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np
import torch

import hashlearn
from hashlearn.bench.data import load_benchmark_data
from hashlearn.hashers._kernel import nearest_anchor_sigma, pick_anchors, rbf_features
from hashlearn.metrics import mean_average_precision

Transform = Callable[[np.ndarray], np.ndarray]


def input_transform(variant: str, X_train: np.ndarray) -> Transform:
    """The row map ``variant`` names, fitted on the training rows."""
    mean = X_train.mean(0)
    if variant == "raw":
        return lambda X: X
    if variant == "center":
        return lambda X: X - mean
    if variant == "z":
        std = X_train.std(0) + 1e-3
        return lambda X: (X - mean) / std
    if variant == "cl2":
        return lambda X: (X - mean) / (np.linalg.norm(X - mean, axis=1, keepdims=True) + 1e-12)
    if variant.startswith("rbf"):
        anchors = pick_anchors(X_train, int(variant[3:] or 1000), np.random.default_rng(0))
        sigma = nearest_anchor_sigma(X_train, anchors)
        kernel_mean = rbf_features(X_train, anchors, sigma).mean(0)
        return lambda X: rbf_features(X, anchors, sigma) - kernel_mean
    raise ValueError(f"unknown variant {variant!r}: raw, center, z, cl2 or rbfN")


def chosen_settings(model: object) -> dict:
    """What SH-BDNN's race chose, with every candidate's validation score (SDH: {})."""
    settings = getattr(model, "settings_", {})
    keys = ("lambda1", "hidden_sizes", "n_pretrain_iter", "input_noise", "n_anchors", "lambda2")
    chosen = {k: settings[k] for k in keys if k in settings}
    raced = [r for r in settings.get("candidates", []) if r["score"] is not None]
    race = {"race": [r["score"] for r in raced], "race_s": [r["seconds"] for r in raced]}
    return chosen | ({k: [round(v, 4) for v in vs] for k, vs in race.items()} if raced else {})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("protocol")
    ap.add_argument("bits", help="comma list of code lengths")
    ap.add_argument("variant", help="raw, center, z, cl2 or rbfN")
    ap.add_argument("params", nargs="?", default="{}", help="JSON settings of SH-BDNN")
    ap.add_argument("--method", default="sh-bdnn", choices=["sh-bdnn", "sdh"])
    ap.add_argument("--seeds", default="0", help="comma list of the model's random_state")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_benchmark_data(args.protocol, seed=0)
    train = data.X_train.astype(np.float64)
    transform = input_transform(args.variant, train)
    validation = {}
    if data.X_val is not None and args.method == "sh-bdnn":
        validation = {"X_val": transform(data.X_val.astype(np.float64)), "y_val": data.y_val}
    params = json.loads(args.params) if args.method == "sh-bdnn" else {}
    runs = [(int(b), int(s)) for b in args.bits.split(",") for s in args.seeds.split(",")]
    for n_bits, seed in runs:
        tic = time.perf_counter()
        model = hashlearn.create(args.method, n_bits=n_bits, random_state=seed, **params)
        model.fit(transform(train), data.y_train, **validation)
        fit_seconds = time.perf_counter() - tic
        queries = model.encode(transform(data.X_query.astype(np.float64)))
        database = model.encode(transform(data.X_db.astype(np.float64)))
        score = mean_average_precision(queries, database, data.y_query, data.y_db, n_bits=n_bits)
        row = {"protocol": args.protocol, "variant": args.variant, "method": args.method}
        row |= {"params": params, "bits": n_bits, "seed": seed, "map": round(float(score), 4)}
        row |= {"chosen": chosen_settings(model)}
        print(json.dumps(row | {"fit_s": round(fit_seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
