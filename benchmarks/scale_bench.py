"""Out-of-core benchmark: encode, index and evaluate 10,000,000 items in bounded memory.

Each stage runs in its own process so that its peak resident memory
(``resource.getrusage(...).ru_maxrss``) is its own:

1. ``features``: write synthetic clustered 64-D float32 features (10 classes) to
   a ``.npy`` file on disk, chunk by chunk (2.56 GB for 10M items).
2. ``encode``: fit LSH/ITQ on a 100,000-item sample, then
   :func:`hashlearn.scale.encode_to_memmap` the whole memmap at 64 bits.
3. ``index``: hashlearn's FlatIndex (when installed) and the peer, faiss
   ``IndexBinaryFlat``, both holding the 10M codes, top-100 of 1,000 queries.
4. ``evaluate``: :func:`hashlearn.scale.streaming_map` of 10,000 queries over
   the 10M memory-mapped codes (mAP@all, stable ties, class labels).

Usage::

    python benchmarks/scale_bench.py --n 10000000 --workdir /tmp/hl_scale --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

D, CLASSES, CHUNK = 64, 10, 1 << 18


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stage_features(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=0.5, size=(CLASSES, D)).astype(np.float32)
    n_bytes = 0
    for name, dtype, shape in (("X", "<f4", (args.n, D)), ("y", "<i8", (args.n,))):
        with open(args.workdir / f"{name}.npy", "wb") as handle:
            header = {"descr": dtype, "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_2_0(handle, header)
            for start in range(0, args.n, CHUNK):
                chunk_rng = np.random.default_rng([start, 0])
                y = chunk_rng.integers(0, CLASSES, min(CHUNK, args.n - start))
                block = y if name == "y" else centers[y] + chunk_rng.normal(size=(y.size, D))
                handle.write(block.astype(dtype).tobytes())
            n_bytes += handle.tell()
    return {"bytes_on_disk": n_bytes}


def stage_encode(args: argparse.Namespace) -> dict:
    import hashlearn
    from hashlearn.scale import encode_to_memmap
    from hashlearn.scale.memmap import NpyRows

    X = NpyRows(args.workdir / "X.npy")
    model = hashlearn.create(args.method, n_bits=64, random_state=0)
    model.fit(X[: min(100_000, X.shape[0])])
    start = time.perf_counter()
    codes = encode_to_memmap(
        model, args.workdir / "X.npy", args.workdir / "codes.npy", chunk=1 << 16
    )
    return {
        "method": args.method,
        "seconds": time.perf_counter() - start,
        "items_per_s": X.shape[0] / (time.perf_counter() - start),
        "codes_shape": list(codes.shape),
    }


def stage_index(args: argparse.Namespace) -> dict:
    codes = np.load(args.workdir / "codes.npy", mmap_mode="r")
    queries = np.asarray(codes[:1000])
    out: dict = {}
    try:
        from hashlearn.index import FlatIndex
    except ImportError as exc:
        out["hashlearn"] = f"skipped: {exc}"
    else:
        t0 = time.perf_counter()
        index = FlatIndex(64)
        for start in range(0, codes.shape[0], CHUNK):
            index.add(np.asarray(codes[start : start + CHUNK]))
        t1 = time.perf_counter()
        dist, _ = index.search(queries, 100)
        out["hashlearn"] = {"add_s": t1 - t0, "search_1000q_top100_s": time.perf_counter() - t1}
        np.save(args.workdir / "hl_dist.npy", dist)
    out["peak_mib_after_hashlearn"] = peak_mib()
    import faiss

    faiss.omp_set_num_threads(args.threads)
    t0 = time.perf_counter()
    peer = faiss.IndexBinaryFlat(64)
    for start in range(0, codes.shape[0], CHUNK):
        peer.add(np.ascontiguousarray(codes[start : start + CHUNK]))
    t1 = time.perf_counter()
    dist, _ = peer.search(queries, 100)
    out["faiss"] = {"add_s": t1 - t0, "search_1000q_top100_s": time.perf_counter() - t1}
    if (args.workdir / "hl_dist.npy").exists():
        out["same_distances_as_faiss"] = bool(
            np.array_equal(np.load(args.workdir / "hl_dist.npy"), dist)
        )
    return out


def stage_evaluate(args: argparse.Namespace) -> dict:
    from hashlearn.scale import open_codes, streaming_map

    codes = open_codes(args.workdir / "codes.npy", n_bits=64)
    labels = np.load(args.workdir / "y.npy", mmap_mode="r")
    rng = np.random.default_rng(1)
    qi = np.sort(rng.choice(codes.shape[0], args.queries, replace=False))
    start = time.perf_counter()
    value = streaming_map(
        np.asarray(codes[qi]), codes, np.asarray(labels[qi]), labels, n_bits=64, db_chunk=1 << 16
    )
    return {"queries": args.queries, "map": value, "seconds": time.perf_counter() - start}


def naive_ap(query: np.ndarray, label: int, db64: np.ndarray, labels: np.ndarray) -> float:
    """The obvious in-memory way: all distances, a stable sort, then AP."""
    dist = np.bitwise_count(db64 ^ query.view(np.uint64)).sum(axis=1)
    relevant = labels[np.argsort(dist, kind="stable")] == label
    hits = np.cumsum(relevant)
    ranks = np.flatnonzero(relevant) + 1
    return float((hits[relevant] / ranks).mean()) if ranks.size else 0.0


def stage_peer(args: argparse.Namespace) -> dict:
    """Peers on a few queries: naive numpy ranking and hashlearn.metrics (same mAP?)."""
    from hashlearn.scale import open_codes, streaming_map

    codes = open_codes(args.workdir / "codes.npy", n_bits=64)
    labels = np.load(args.workdir / "y.npy")
    rng = np.random.default_rng(1)
    qi = np.sort(rng.choice(codes.shape[0], args.peer_queries, replace=False))
    q, yq = np.asarray(codes[qi]), labels[qi]
    t0 = time.perf_counter()
    ours = streaming_map(q, codes, yq, labels, n_bits=64)
    t1 = time.perf_counter()
    db64 = np.asarray(codes).view(np.uint64)
    naive = float(np.mean([naive_ap(q[i], yq[i], db64, labels) for i in range(len(qi))]))
    t2 = time.perf_counter()
    out = {
        "queries": len(qi),
        "streaming_map": ours,
        "streaming_s_per_query": (t1 - t0) / len(qi),
        "naive_map": naive,
        "naive_s_per_query": (t2 - t1) / len(qi),
    }
    try:
        from hashlearn.metrics import mean_average_precision
    except ImportError as exc:
        out["metrics"] = f"skipped: {exc}"
    else:
        t3 = time.perf_counter()
        out["metrics_map"] = mean_average_precision(q, codes, yq, labels, n_bits=64)
        out["metrics_s_per_query"] = (time.perf_counter() - t3) / len(qi)
    return out


STAGES = {
    "features": stage_features,
    "encode": stage_encode,
    "index": stage_index,
    "evaluate": stage_evaluate,
    "peer": stage_peer,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--peer-queries", type=int, default=20)
    parser.add_argument("--method", default="lsh")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hashlearn_scale"))
    parser.add_argument("--stage", choices=sorted(STAGES))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.stage:
        result = STAGES[args.stage](args)
        result["peak_rss_mib"] = peak_mib()
        print(json.dumps(result))
        return
    env = dict(os.environ, NUMBA_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    for stage in ("features", "encode", "index", "evaluate", "peer"):
        cmd = [
            sys.executable,
            __file__,
            "--stage",
            stage,
            "--n",
            str(args.n),
            "--queries",
            str(args.queries),
            "--peer-queries",
            str(args.peer_queries),
            "--method",
            args.method,
            "--workdir",
            str(args.workdir),
            "--threads",
            str(args.threads),
        ]
        t0 = time.perf_counter()
        line = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
        print(f"{stage:9s} wall {time.perf_counter() - t0:8.1f} s  {line.strip()}", flush=True)


if __name__ == "__main__":
    main()
