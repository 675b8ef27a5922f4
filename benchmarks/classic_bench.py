"""Classic hashing baselines on MNIST (and CIFAR-10 CNN features when cached).

Prints and appends JSON lines (one per method x training set x code length) with
mAP, precision within Hamming radius 2, training / encoding time and the peak
traced memory of ``fit``; then times our ITQ against ``faiss.ITQTransform``.

Usage::

    OMP_NUM_THREADS=1 HASHLEARN_DATA=~/datasets \
        python benchmarks/classic_bench.py --out benchmarks/results/classic.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

import numpy as np

import hashlearn
from hashlearn.data import get_protocol, load_mnist, mnist_features
from hashlearn.metrics import evaluate_codes

METHODS = ["lsh", "pcah", "itq", "sh", "bre", "itq-cca", "sdh", "ksh", "bre-sup"]
FULL_60K = {"sdh", "itq-cca"}


def run_one(name, n_bits, X, y, protocol, train_idx, train_name):
    model = hashlearn.create(name, n_bits=n_bits, random_state=0)
    Xtr = X[train_idx]
    tracemalloc.start()
    t0 = time.perf_counter()
    model.fit(Xtr, y[train_idx]) if model.supervised else model.fit(Xtr)
    train_s = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t0 = time.perf_counter()
    db = model.encode(X[protocol.database_idx])
    q = model.encode(X[protocol.query_idx])
    encode_s = time.perf_counter() - t0
    scores = evaluate_codes(q, db, y[protocol.query_idx], y[protocol.database_idx], n_bits=n_bits)
    return {
        "dataset": protocol.name,
        "method": name,
        "train": train_name,
        "n_bits": n_bits,
        "map": scores["map"],
        "p_r2": scores["precision_at_radius_2"],
        "train_s": train_s,
        "encode_s": encode_s,
        "fit_peak_mb": peak / 1e6,
    }


def mnist(bits, methods, out):
    X = mnist_features().astype(np.float64)
    y = load_mnist().labels
    full, five_k = get_protocol("mnist-10k"), get_protocol("mnist-10k-5k")
    for n_bits in bits:
        for name in methods:
            model_cls = type(hashlearn.create(name))
            sets = [("5k", five_k.train_idx)] if model_cls.supervised else [("60k", full.train_idx)]
            if name in FULL_60K:
                sets.append(("60k", full.train_idx))
            for train_name, idx in sets:
                emit(run_one(name, n_bits, X, y, full, idx, train_name), out)


def itq_vs_faiss(out):
    """Our ITQ vs faiss's ``ITQTransform`` (PCA + ITQ) to 32 bits on MNIST pixels, on all
    60,000 rows and on a 7,840-row subset (10 rows per dimension); best of 3 interleaved."""
    import faiss

    X = np.ascontiguousarray(mnist_features()[:60000], dtype=np.float32)
    for n_rows in (len(X), 10 * X.shape[1]):
        rows = X[np.random.default_rng(0).permutation(len(X))[:n_rows]]
        ours, theirs = [], []
        for _ in range(3):
            ours.append(_seconds(hashlearn.create("itq", n_bits=32, random_state=0).fit, rows))
            theirs.append(_seconds(faiss.ITQTransform(X.shape[1], 32, True).train, rows))
        record = {"bench": f"itq_speed_{n_rows}x784_32bits", "ours_s": min(ours)}
        record |= {"faiss_s": min(theirs), "ratio_ours_over_faiss": min(ours) / min(theirs)}
        emit(record | {"faiss_threads": faiss.omp_get_max_threads()}, out)


def _seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def emit(record, out):
    print(json.dumps(record), flush=True)
    with open(out, "a") as fh:
        fh.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/classic.jsonl")
    parser.add_argument("--bits", default="32,16,8,24,64")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="only ITQ vs faiss")
    args = parser.parse_args()
    if not args.skip_speed:
        itq_vs_faiss(args.out)
    if not args.speed_only:
        mnist([int(b) for b in args.bits.split(",")], args.methods.split(","), args.out)


if __name__ == "__main__":
    main()
