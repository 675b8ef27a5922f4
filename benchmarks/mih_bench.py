"""Multi-index hashing benchmark: hashlearn MultiIndexHashing against faiss IndexBinaryMultiHash.

Measured in the same run, with the same number of threads: the table build
(ours: add + first search, the tables being built lazily; faiss: add), the
radius search r = 0..3 over random codes with queries that are database
items with 0-3 bits flipped, and the kNN over clustered codes
(near-duplicates). faiss gets our number of tables (``nhash``), our substring
length (``b``) and, for radius ``r``, ``nflip = r // nhash``, which makes its
probing exact; its recall is measured against the exact answer (FlatIndex).

    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/mih_bench.py
    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 NUMBA_NUM_THREADS=2 \\
        python benchmarks/mih_bench.py --threads 2
    python benchmarks/mih_bench.py --size 100000 --queries 200 --repeat 3   # quick

Prints markdown tables with the load average beside each row.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import numba
import numpy as np

from hashlearn.index import FlatIndex, MultiIndexHashing
from index_bench import near_queries, random_codes, recall, table  # the script's folder


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def interleaved(fns: list[Callable[[], Any]], repeat: int) -> tuple[list[float], list[Any]]:
    """Best wall time of each function over ``repeat`` rounds that call them in turn, and
    their last results: on a shared machine both sides then see the same conditions."""
    best, out = [float("inf")] * len(fns), [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            out[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best, out


def build_row(faiss: Any, db: np.ndarray) -> tuple[dict[str, Any], MultiIndexHashing, Any]:
    """Build both indexes over ``db``: times (ours best of 3), memory, and the indexes."""
    n_bits = 8 * db.shape[1]
    warm = MultiIndexHashing(n_bits)  # load the kernels (compile them if the cache is cold)
    warm.add(db[:4096])
    start = time.perf_counter()
    warm.range_search(db[:1], 0)
    warm.search(db[:1], 1)
    kernels = time.perf_counter() - start
    t_ours = float("inf")
    for _ in range(3):
        ours = MultiIndexHashing(n_bits)
        start = time.perf_counter()
        ours.add(db)
        ours.range_search(db[:1], 0)  # builds the tables
        t_ours = min(t_ours, time.perf_counter() - start)
    theirs = faiss.IndexBinaryMultiHash(n_bits, ours.m, n_bits // ours.m)
    start = time.perf_counter()
    theirs.add(db)
    t_faiss = time.perf_counter() - start
    row = {"bits": n_bits, "n": db.shape[0], "m": ours.m, "build_ours_s": t_ours,
           "add_faiss_s": t_faiss, "ratio": t_faiss / t_ours, "mem_ours_mb": ours.nbytes / 1e6,
           "kernels_first_call_s": kernels, "load": load()}  # fmt: skip
    return row, ours, theirs


def radius_rows(
    ours: MultiIndexHashing, theirs: Any, db: np.ndarray, q: np.ndarray, repeat: int
) -> list[dict[str, Any]]:
    """Radius r = 0..3, ours against faiss, with recalls against FlatIndex."""
    flat = FlatIndex(ours.n_bits)
    flat.add(db)
    rows = []
    for r in range(4):
        want = flat.range_search(q, r)
        ours.range_search(q[:8], r)
        theirs.nflip = r // ours.m  # exact: a row within r is within r // m on a substring
        times, (got, (lims, _, ids)) = interleaved(
            [lambda r=r: ours.range_search(q, r), lambda r=r: theirs.range_search(q, r + 1)],
            repeat,
        )  # faiss's radius is exclusive
        t_ours, t_faiss = times
        exact = all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
        rows.append({"bits": ours.n_bits, "r": r, "m": ours.m, "nflip": theirs.nflip,
                     "results": int(want[0][-1]), "qps_ours": len(q) / t_ours,
                     "qps_faiss": len(q) / t_faiss, "ratio": t_faiss / t_ours,
                     "recall_ours": recall(got[0], got[2], want[0], want[2]),
                     "exact_ours": exact, "recall_faiss": recall(lims, ids, want[0], want[2]),
                     "load": load()})  # fmt: skip
        print(table(rows[-1:]), flush=True)
    return rows


def clustered_codes(rng: np.random.Generator, centres: np.ndarray, n: int) -> np.ndarray:
    """Codes drawn from random centres, each with 0-4 random bits flipped (about 2)."""
    codes = centres[rng.integers(0, centres.shape[0], n)]
    n_bits = 8 * centres.shape[1]
    for _ in range(4):
        hit = np.flatnonzero(rng.random(n) < 0.5)
        bits = rng.integers(0, n_bits, hit.size)
        codes[hit, bits // 8] ^= (1 << (bits % 8)).astype(np.uint8)
    return codes


def knn_recall(d_got: np.ndarray, d_want: np.ndarray) -> float:
    """Share of the k results that belong to some exact top-k (ties at the k-th distance)."""
    k, good = d_want.shape[1], 0
    for got, want in zip(d_got, d_want, strict=True):
        kth = want[-1]
        below = int((want < kth).sum())
        good += int((got[(got >= 0) & (got < kth)]).size)
        good += min(int((got == kth).sum()), k - below)
    return good / d_want.size


def knn_rows(faiss: Any, n: int, nq: int, n_bits: int, k: int, repeat: int) -> list[dict]:
    """kNN over near-duplicates (10k centres), ours against faiss at nflip 0, 1, 2."""
    rng = np.random.default_rng(7)
    centres = random_codes(rng, 10_000, n_bits)
    db, q = clustered_codes(rng, centres, n), clustered_codes(rng, centres, nq)
    flat, ours = FlatIndex(n_bits), MultiIndexHashing(n_bits)
    flat.add(db)
    ours.add(db)
    d_want, i_want = flat.search(q, k)
    ours.search(q[:8], k)
    theirs = faiss.IndexBinaryMultiHash(n_bits, ours.m, n_bits // ours.m)
    theirs.add(db)
    rows = []
    for nflip in (0, 1, 2):
        theirs.nflip = nflip
        times, ((d_ours, i_ours), (d_faiss, _)) = interleaved(
            [lambda: ours.search(q, k), lambda: theirs.search(q, k)], repeat
        )
        exact = bool(np.array_equal(d_ours, d_want) and np.array_equal(i_ours, i_want))
        rows.append({"bits": n_bits, "k": k, "faiss_nflip": nflip, "qps_ours": nq / times[0],
                     "qps_faiss": nq / times[1], "ratio": times[1] / times[0],
                     "recall_ours": knn_recall(d_ours, d_want), "exact_ours": exact,
                     "recall_faiss": knn_recall(d_faiss, d_want),
                     "exact_faiss": bool(np.array_equal(d_faiss, d_want)),
                     "load": load()})  # fmt: skip
        print(table(rows[-1:]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="numba and faiss threads")
    parser.add_argument("--size", type=int, default=1_000_000, help="database codes")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--bits", default="64,128", help="code lengths (multiples of 8)")
    parser.add_argument("--k", type=int, default=10, help="neighbours of the clustered kNN")
    parser.add_argument("--repeat", type=int, default=7, help="best of this many runs")
    args = parser.parse_args()
    import faiss

    numba.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    print(f"date {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} cpus, threads {args.threads}, faiss {faiss.__version__}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load {load()}")  # fmt: skip
    builds, radius, knn = [], [], []
    for n_bits in map(int, args.bits.split(",")):
        rng = np.random.default_rng(n_bits)
        db = random_codes(rng, args.size, n_bits)
        row, ours, theirs = build_row(faiss, db)
        builds.append(row)
        print(table(builds[-1:]), flush=True)
        radius += radius_rows(ours, theirs, db, near_queries(rng, db, args.queries), args.repeat)
        del ours, theirs
        knn += knn_rows(faiss, args.size, args.queries, n_bits, args.k, args.repeat)
    print(f"\n## Build, {args.threads} thread(s)\n\n{table(builds)}")
    print(f"\n## Radius search, {args.threads} thread(s)\n\n{table(radius)}")
    print(f"\n## Clustered kNN, {args.threads} thread(s)\n\n{table(knn)}")
    print(f"\nload average after {load()}")


if __name__ == "__main__":
    main()
