"""How much does SH-BDNN depend on where it starts, and on its dissimilar-pair target?

``starts``: one fixed validation split (the one ``fit`` carves with seed 0, or the
protocol's own validation rows), and the initialisation seeds 0..k-1 (ITQ rotation,
network, shuffling); each fit prints its test mAP beside its validation scores, to see
whether the validation rows can tell a good start from a bad one, and beside what it
reached on its own training rows: their mAP among themselves, the final training cost,
and the pairs of classes whose training rows share one majority code word.

``target``: the paper's label similarity is +1 for a pair of one class and -1
otherwise; for c classes, codes that are pairwise opposite exist only for c = 2. This
fits with the dissimilar target set to each given value ("simplex": -1/(c-1), the inner
product of c equidistant unit vectors) through a replaced similarity.

Usage (one thread; benchmarks/results/bdnn.md section 6g)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_start_probe.py starts digits 8,16,32 --seeds 6
    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_start_probe.py target digits 8,16,32 \\
        --targets=-1,simplex,-0.5,0 --settings '{"preset": "paper"}'
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch

import hashlearn
from hashlearn.bench.data import BenchData, load_benchmark_data
from hashlearn.codes import unpack_bits
from hashlearn.deep.bdnn import similarity
from hashlearn.deep.bdnn.validation import default_val_size, split_validation
from hashlearn.metrics import mean_average_precision


def fixed_split(data: BenchData) -> tuple[np.ndarray, ...]:
    """Training and validation rows: the protocol's, or the ones ``fit`` carves with seed 0."""
    if data.X_val is not None:
        return data.X_train, data.y_train, data.X_val, data.y_val
    size = default_val_size(len(data.X_train))
    train, val = split_validation(len(data.X_train), size, np.random.default_rng(0))
    return data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val]


def fit_and_score(data: BenchData, n_bits: int, seed: int, settings: dict[str, Any]) -> dict:
    X, y, X_val, y_val = fixed_split(data)
    tic = time.perf_counter()
    model = hashlearn.create("sh-bdnn", n_bits=n_bits, random_state=seed, **settings)
    model.fit(X, y, X_val=X_val, y_val=y_val)
    seconds = time.perf_counter() - tic
    q, db, train = model.encode(data.X_query), model.encode(data.X_db), model.encode(X)
    test = mean_average_precision(q, db, data.y_query, data.y_db, n_bits=n_bits)
    race = [(c["lambda1"], c["n_pretrain_iter"], c["score"]) for c in model.settings_["candidates"]]
    return {
        "bits": n_bits,
        "seed": seed,
        "test_map": round(float(test), 4),
        "val_by_stage": [round(v, 4) for v in model.val_scores_],
        "train_map": round(float(mean_average_precision(train, train, y, y, n_bits=n_bits)), 4),
        "train_cost": round(model.history_[-1]["loss"], 5),
        "merged_classes": merged_classes(unpack_bits(train, n_bits), y),
        "race": race,
        "fit_s": round(seconds, 1),
    }


def merged_classes(bits: np.ndarray, y: np.ndarray) -> list[list[int]]:
    """Pairs of classes whose rows share one majority code word (bit set in most rows).

    >>> merged_classes(np.array([[1, 0], [1, 0], [0, 1]]), np.array([0, 1, 2]))
    [[0, 1]]
    """
    classes = np.unique(y)
    words = [tuple(bits[y == c].mean(0) > 0.5) for c in classes]
    return [
        [int(a), int(b)]
        for i, a in enumerate(classes)
        for j, b in enumerate(classes)
        if i < j and words[i] == words[j]
    ]


def dissimilar_target(value: float) -> Any:
    """``class_similarity`` with S = +1 within a class and ``value`` between classes."""

    def class_similarity(y: torch.Tensor, dtype: torch.dtype) -> similarity.LowRankSimilarity:
        onehot = torch.nn.functional.one_hot(torch.unique(y, return_inverse=True)[1]).to(dtype)
        P = torch.cat([onehot, torch.ones(len(onehot), 1, dtype=dtype)], dim=1)
        weights = torch.full((P.shape[1],), 1.0 - value, dtype=dtype)
        weights[-1] = value
        return similarity.LowRankSimilarity(P, weights)

    return class_similarity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("probe", choices=["starts", "target"])
    ap.add_argument("protocol")
    ap.add_argument("bits")
    ap.add_argument("--seeds", type=int, default=6, help="starts: initialisation seeds 0..k-1")
    ap.add_argument("--targets", default="-1,simplex", help="target: dissimilar-pair values")
    ap.add_argument("--settings", default="{}", help="SH-BDNN parameters (JSON)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_benchmark_data(args.protocol, seed=0)
    settings = json.loads(args.settings)
    n_classes = len(np.unique(data.y_train))
    for n_bits in (int(b) for b in args.bits.split(",")):
        if args.probe == "starts":
            for seed in range(args.seeds):
                print(json.dumps(fit_and_score(data, n_bits, seed, settings)), flush=True)
            continue
        for name in args.targets.split(","):
            value = -1.0 / (n_classes - 1) if name == "simplex" else float(name)
            similarity.class_similarity = dissimilar_target(value)
            row = {"target": name, **fit_and_score(data, n_bits, 0, settings)}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
