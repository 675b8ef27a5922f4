"""Methods with their defaults on your own labelled data, split as the papers split CIFAR-10.

From one labelled feature file (anything ``hashlearn fit --data`` reads: ``.npz`` with
``X`` and ``y``, ``.csv``, ``.parquet``, an image folder), each seed draws per class
``--queries`` queries and ``--train`` training rows (100 and 500: 1,000 queries and
5,000 labelled training rows for ten classes); the database is every row but the
queries. Features are divided by ``--scale`` (255 for 8-bit pixels), nothing else.
Every method runs with its defaults, as a new user would run it; the table gives
mAP, precision within Hamming radius 2 and fit seconds, and each method's mAP
against the first method's.

Usage (one thread per run; benchmarks/results/bdnn.md section 6t)::

    OMP_NUM_THREADS=1 python benchmarks/own_data_bench.py fashion.npz --scale 255 \\
        --methods sdh,sh-bdnn --bits 8,16,24,32 --seeds 0 --out fashion.jsonl

Rows are appended to ``--out`` (JSON lines) as each fit ends, so a stopped run keeps
what it finished.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn.bench.data import BenchData
from hashlearn.bench.runner import run_one
from hashlearn.data.files import load_features
from hashlearn.data.protocols import per_class_draw

METRICS = ["map", "precision_at_radius_2"]
KEPT = ("method", "n_bits", "seed", "metrics", "train_seconds", "settings", "sizes")
"""The keys of a bench record each JSON line keeps."""


def own_split(
    X: np.ndarray, y: np.ndarray, seed: int, n_queries: int, n_train: int, name: str
) -> BenchData:
    """Per class ``n_queries`` queries and ``n_train`` training rows; database: the rest."""
    draws = np.random.default_rng(seed)
    query, train = per_class_draw(y, np.arange(len(y)), (n_queries, n_train), draws)
    database = np.setdiff1d(np.arange(len(y)), query)
    return BenchData(name, seed, X[train], y[train], X[query], y[query], X[database], y[database])


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every (seed, bits, method) of ``args``; each row appended to ``args.out`` at once."""
    X, y = load_features(args.data)
    if y is None:
        raise SystemExit(f"{args.data}: no labels found (an array or column y / label)")
    X = X / np.float32(args.scale)
    name = Path(args.data).stem
    rows = []
    for seed in args.seeds:
        data = own_split(X, y, seed, args.queries, args.train, name)
        for n_bits in args.bits:
            for method in args.methods:
                record = run_one(method, n_bits, seed, data, metrics=METRICS, progress=True)
                row = {"data": name, **{k: record[k] for k in KEPT}}
                with open(args.out, "a") as out:
                    out.write(json.dumps(row) + "\n")
                rows.append(row)
    return rows


def print_table(rows: list[dict[str, Any]], methods: list[str]) -> None:
    """One line per (seed, bits, method): mAP, P@r2, fit seconds, mAP / the first method's."""
    print("seed\tbits\tmethod\tmAP\tP@r2\tfit s\tvs " + methods[0])
    first = {(r["seed"], r["n_bits"]): r for r in rows if r["method"] == methods[0]}
    for r in rows:
        m = r["metrics"]
        base = first[(r["seed"], r["n_bits"])]["metrics"]["map"]
        print(
            f"{r['seed']}\t{r['n_bits']}\t{r['method']}\t{m['map']:.4f}\t"
            f"{m['precision_at_radius_2']:.4f}\t{r['train_seconds']:.0f}\t{m['map'] / base:.3f}x"
        )


def main() -> None:
    def ints(text: str) -> list[int]:
        return [int(v) for v in text.split(",")]

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="labelled feature file or image folder")
    parser.add_argument("--methods", type=lambda t: t.split(","), default=["sdh", "sh-bdnn"])
    parser.add_argument("--bits", type=ints, default=[8, 16, 24, 32])
    parser.add_argument("--seeds", type=ints, default=[0])
    parser.add_argument("--queries", type=int, default=100, help="queries per class")
    parser.add_argument("--train", type=int, default=500, help="training rows per class")
    parser.add_argument("--scale", type=float, default=1.0, help="features are divided by it")
    parser.add_argument("--out", required=True, help="JSON lines, one per fit")
    args = parser.parse_args()
    print_table(run(args), args.methods)


if __name__ == "__main__":
    main()
