"""Benchmark: hashlearn.metrics mAP vs the usual argsort-per-query implementation.

Task (issue 2): mAP over the whole database, 10,000 queries x 60,000 database
codes at 32 bits, 10 classes (same-class relevance), ties broken by database
index.  Ours: counting passes (numba, both cores).  Peer, measured in the same
run: the usual per-query loop (Hamming distances through a byte popcount
table, ``np.argsort(kind="stable")``, cumulative-sum precision), single
threaded numpy as in DeepHash-pytorch / HashNet evaluation scripts.

The codes are synthetic: 10 random class centres, each bit flipped with
probability ``--noise``, so the mAP is neither 0.1 nor 1.

Usage::

    python benchmarks/metrics_bench.py                      # full task
    python benchmarks/metrics_bench.py --nq 1000 --ndb 6000 # quick look
    python benchmarks/metrics_bench.py --large 10000000     # + 10M-item memory check
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import time

import numba
import numpy as np

from hashlearn.codes import popcount_table
from hashlearn.metrics import evaluate_codes, mean_average_precision


def make_codes(rng: np.random.Generator, labels: np.ndarray, centres: np.ndarray, noise: float):
    """Packed codes: the class centre with each bit flipped with probability ``noise``."""
    out = np.empty((labels.size, (centres.shape[1] + 7) // 8), dtype=np.uint8)
    for lo in range(0, labels.size, 1 << 16):  # blocks: bounded memory for --large
        part = labels[lo : lo + (1 << 16)]
        flips = rng.random((part.size, centres.shape[1])) < noise
        bits = (centres[part] ^ flips).astype(np.uint8)
        out[lo : lo + part.size] = np.packbits(bits, axis=1, bitorder="little")
    return out


def baseline_map(q: np.ndarray, db: np.ndarray, yq: np.ndarray, ydb: np.ndarray) -> float:
    """The usual implementation: one full sort of the database per query."""
    table = popcount_table().astype(np.int32)
    aps = np.zeros(len(q))
    for i in range(len(q)):
        dist = table[q[i] ^ db].sum(axis=1)
        rel = (ydb == yq[i])[np.argsort(dist, kind="stable")]
        n_rel = rel.sum()
        if n_rel:
            hits = np.cumsum(rel)[rel]
            aps[i] = np.mean(hits / (np.flatnonzero(rel) + 1))
    return float(aps.mean())


def timed(fn, *args, **kwargs):
    """Result, wall seconds and CPU seconds (all threads) of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start, time.process_time() - cpu


def large_check(rng, centres, n_db: int, noise: float, n_bits: int) -> None:
    """mAP of 20 queries over ``n_db`` codes: time and peak memory (bounded by chunks)."""
    ydb = rng.integers(0, 10, n_db)
    db = make_codes(rng, ydb, centres, noise)
    yq = rng.integers(0, 10, 20)
    q = make_codes(rng, yq, centres, noise)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    value, seconds, _ = timed(mean_average_precision, q, db, yq, ydb, n_bits=n_bits)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"large: 20 queries x {n_db:,} codes: mAP {value:.4f} in {seconds:.2f} s; "
          f"peak RSS {before:.0f} MiB before -> {peak:.0f} MiB after "
          f"(codes alone: {db.nbytes / 2**20:.0f} MiB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nq", type=int, default=10_000)
    parser.add_argument("--ndb", type=int, default=60_000)
    parser.add_argument("--bits", type=int, default=32)
    parser.add_argument("--noise", type=float, default=0.2)
    parser.add_argument("--large", type=int, default=0, help="also run 20 queries on this many")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.integers(0, 2, (10, args.bits))
    yq, ydb = rng.integers(0, 10, args.nq), rng.integers(0, 10, args.ndb)
    q, db = make_codes(rng, yq, centres, args.noise), make_codes(rng, ydb, centres, args.noise)

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numba threads {numba.get_num_threads()}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    print(
        f"task: mAP@all, {args.nq:,} queries x {args.ndb:,} database, {args.bits} bits, "
        "10 classes, stable ties"
    )
    for rows in (2, 40):  # compile or load both the serial and the threaded kernels
        mean_average_precision(q[:rows], db, yq[:rows], ydb, n_bits=args.bits)
        evaluate_codes(q[:rows], db, yq[:rows], ydb, n_bits=args.bits, metrics=("map_tie_avg",))
    ours, t_ours, cpu_ours = timed(mean_average_precision, q, db, yq, ydb, n_bits=args.bits)
    print(f"hashlearn.metrics.mean_average_precision: {t_ours:8.2f} s   mAP {ours:.6f}"
          f"   (CPU {cpu_ours:.2f} s over all threads)")  # fmt: skip
    peer, t_peer, cpu_peer = timed(baseline_map, q, db, yq, ydb)
    print(f"argsort-per-query baseline (numpy):       {t_peer:8.2f} s   mAP {peer:.6f}"
          f"   (CPU {cpu_peer:.2f} s)")  # fmt: skip
    agree = abs(ours - peer) < 1e-9
    print(f"ratio baseline / ours: {t_peer / t_ours:.1f}x; agree within 1e-9: {agree}")
    names = ("map", "map@1000", "map_tie_avg", "precision@100", "precision_at_radius_2")
    many, t_many, _ = timed(evaluate_codes, q, db, yq, ydb, n_bits=args.bits, metrics=names)
    print(f"evaluate_codes {names}: {t_many:.2f} s (one pass)")
    print("   " + ", ".join(f"{k} {v:.4f}" for k, v in many.items()))
    if args.large:
        large_check(rng, centres, args.large, args.noise, args.bits)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not agree:
        raise SystemExit("mismatch between hashlearn.metrics and the baseline")


if __name__ == "__main__":
    main()
