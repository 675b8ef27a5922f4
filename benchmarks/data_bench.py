"""Data benchmark: load times, protocol build times, GIST / CNN throughput, exact kNN.

Usage (threads as stated; the machine is shared, so record its load)::

    HASHLEARN_DATA=~/datasets OMP_NUM_THREADS=2 python benchmarks/data_bench.py \
        --n-gist 2000 --n-cnn 256 --n-knn 1000

Peers measured in the same run: exact kNN against faiss ``IndexFlatL2`` (float32)
and scikit-learn brute-force ``NearestNeighbors``; agreement of the neighbour sets
is printed beside the timings.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds and result of ``fn()``."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_loading(data_dir: str | None) -> None:
    from hashlearn import data

    for name, fn in (("mnist", data.load_mnist), ("cifar10 (cached)", data.load_cifar10)):
        sec, d = timed(lambda fn=fn: fn(data_dir))
        print(f"load {name:18s} {sec:7.2f} s  images {d.images.shape}")
    for proto in data.list_protocols():
        sec, p = timed(lambda proto=proto: data.get_protocol(proto, 0, data_dir))
        print(f"protocol {proto:18s} {sec:6.2f} s (incl. labels load)  {p}")


def bench_features(data_dir: str | None, n_gist: int, n_cnn: int) -> None:
    import torch

    from hashlearn import data

    images = data.load_cifar10(data_dir).images
    sec, _ = timed(lambda: data.gist_features(images[:n_gist]))
    print(f"GIST-320 on {n_gist} CIFAR-10 images: {n_gist / sec:8.1f} images/s")
    net = data.efficientnet_lite0()
    print(f"torch threads: {torch.get_num_threads()}")
    sec, _ = timed(lambda: data.cnn_features(images[:n_cnn], net, progress=False))
    print(f"EfficientNet-Lite0 128px on {n_cnn} images: {n_cnn / sec:8.1f} images/s")


def bench_knn(data_dir: str | None, n_query: int) -> None:
    import faiss
    from sklearn.neighbors import NearestNeighbors

    from hashlearn import data

    X = data.mnist_features(data_dir)
    q, db = X[60000 : 60000 + n_query], X[:60000]
    ours_s, ours = timed(lambda: data.knn_ground_truth(q, db, 50, use_cache=False))
    index = faiss.IndexFlatL2(db.shape[1])
    index.add(db)
    faiss_s, (_, peer) = timed(lambda: index.search(q, 50))
    nn = NearestNeighbors(n_neighbors=50, algorithm="brute").fit(db)
    skl_s, (_, skl) = timed(lambda: nn.kneighbors(q))
    agree = np.mean([len(set(a) & set(b)) / 50 for a, b in zip(ours, peer, strict=True)])
    print(
        f"exact kNN k=50, {n_query} MNIST queries x 60000: ours (float64) {ours_s:.2f} s, "
        f"faiss IndexFlatL2 (float32) {faiss_s:.2f} s (ratio {ours_s / faiss_s:.2f}), "
        f"sklearn brute {skl_s:.2f} s (ratio {ours_s / skl_s:.2f}); "
        f"neighbour-set agreement with faiss {agree:.4f}, with sklearn "
        f"{np.mean([len(set(a) & set(b)) / 50 for a, b in zip(ours, skl, strict=True)]):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n-gist", type=int, default=2000)
    parser.add_argument("--n-cnn", type=int, default=256)
    parser.add_argument("--n-knn", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    bench_loading(args.data_dir)
    bench_features(args.data_dir, args.n_gist, args.n_cnn)
    bench_knn(args.data_dir, args.n_knn)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
