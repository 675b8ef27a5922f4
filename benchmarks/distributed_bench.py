"""Sharded encoding on a Dask LocalCluster (2 worker processes) vs in-process encoding.

1. Write ``--rows`` synthetic clustered 64-D float32 features to ``--shards``
   ``.npy`` files in a temporary folder, chunk by chunk, and fit LSH (64 bits)
   on a sample.
2. In-process: a fresh process encodes every shard with
   :func:`hashlearn.scale.encode_to_memmap`; its peak RSS is its own ``ru_maxrss``.
3. Distributed: :func:`hashlearn.scale.encode_shards` on a LocalCluster of
   ``--workers`` processes (1 thread each); each worker's peak RSS is read with
   ``client.run`` (its ``ru_maxrss``), before and after the encoding. A first
   call on a 1,000-row file warms the workers up (their imports: several
   seconds, as the in-process stage's imports are not timed either).

Every process runs with ``--threads`` BLAS/numba threads. Prints rows/s of both,
their ratio, the peak RSS of each process, and whether the codes are the same bytes.

Usage::

    python benchmarks/distributed_bench.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

D, CLASSES, WRITE_CHUNK, N_BITS = 64, 10, 1 << 18, 64


def peak_rss_mib() -> float:
    """Peak resident memory of the calling process (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def write_features(folder: Path, rows: int, shards: int) -> list[Path]:
    """``shards`` files of clustered features, ``rows`` in all, written chunk by chunk."""
    centers = np.random.default_rng(0).normal(scale=0.5, size=(CLASSES, D)).astype(np.float32)
    bounds = [i * rows // shards for i in range(shards + 1)]
    files = []
    for i, (lo, hi) in enumerate(pairwise(bounds)):
        path = folder / f"features{i:03d}.npy"
        with open(path, "wb") as handle:
            header = {"descr": "<f4", "fortran_order": False, "shape": (hi - lo, D)}
            np.lib.format.write_array_header_2_0(handle, header)
            for start in range(lo, hi, WRITE_CHUNK):
                rng = np.random.default_rng([start, i])
                y = rng.integers(0, CLASSES, min(WRITE_CHUNK, hi - start))
                handle.write((centers[y] + rng.normal(size=(y.size, D))).astype("<f4").tobytes())
        files.append(path)
    return files


def encode_in_process(model_dir: Path, files: list[Path], out_dir: Path, chunk: int) -> dict:
    """Stage run in a fresh process: encode every file, one after the other."""
    import hashlearn
    from hashlearn.scale import encode_to_memmap

    model = hashlearn.load(model_dir)
    out_dir.mkdir(exist_ok=True)
    start = time.perf_counter()
    for path in files:
        encode_to_memmap(model, path, out_dir / f"{path.stem}.codes.npy", chunk=chunk)
    return {"seconds": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib()}


def encode_distributed(model, files: list[Path], args: argparse.Namespace) -> dict:
    from dask.distributed import Client, LocalCluster

    from hashlearn.scale import encode_shards

    env = thread_env(args.threads)
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None, env=env
        ) as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        encode_shards(model, [args.workdir / "warmup.npy"], args.workdir / "warmup", client)
        warm_up = time.perf_counter() - start
        before = client.run(peak_rss_mib)
        start = time.perf_counter()
        encode_shards(model, files, args.workdir / "dist", client, chunk=args.chunk)
        seconds = time.perf_counter() - start
        after = client.run(peak_rss_mib)
    return {
        "seconds": seconds,
        "warm_up_seconds": warm_up,
        "worker_peak_rss_mib_before": sorted(before.values()),
        "worker_peak_rss_mib": sorted(after.values()),
    }


def thread_env(threads: int) -> dict[str, str]:
    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
    return {name: str(threads) for name in names}


def run_in_process_stage(args: argparse.Namespace, model_dir: Path, files: list[Path]) -> dict:
    command = [
        sys.executable, __file__, "--stage-local", str(model_dir), "--chunk", str(args.chunk),
        "--out", str(args.workdir / "local"), *map(str, files),
    ]  # fmt: skip
    env = dict(os.environ, **thread_env(args.threads))
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_codes(first: Path, second: Path) -> bool:
    names = sorted(p.name for p in first.glob("*.codes.npy"))
    return names == sorted(p.name for p in second.glob("*.codes.npy")) and all(
        (first / n).read_bytes() == (second / n).read_bytes() for n in names
    )


def benchmark(args: argparse.Namespace) -> dict:
    import hashlearn
    from hashlearn.scale.memmap import NpyRows

    files = write_features(args.workdir, args.rows, args.shards)
    sample = NpyRows(files[0])[: min(100_000, NpyRows(files[0]).shape[0])]
    model = hashlearn.create("lsh", n_bits=N_BITS, random_state=0).fit(sample)
    model_dir = model.save(args.workdir / "model")
    np.save(args.workdir / "warmup.npy", sample[:1000])
    local = run_in_process_stage(args, model_dir, files)
    dist = encode_distributed(model, files, args)
    return {
        "rows": args.rows,
        "shards": args.shards,
        "threads_per_process": args.threads,
        "in_process_rows_per_s": round(args.rows / local["seconds"]),
        "distributed_rows_per_s": round(args.rows / dist["seconds"]),
        "speedup": round(local["seconds"] / dist["seconds"], 2),
        "distributed_warm_up_call_s": round(dist["warm_up_seconds"], 2),
        "in_process_peak_rss_mib": round(local["peak_rss_mib"], 1),
        "worker_peak_rss_mib_before": [round(v, 1) for v in dist["worker_peak_rss_mib_before"]],
        "worker_peak_rss_mib": [round(v, 1) for v in dist["worker_peak_rss_mib"]],
        "same_codes": same_codes(args.workdir / "local", args.workdir / "dist"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="BLAS/numba threads per process")
    parser.add_argument("--chunk", type=int, default=1 << 16, help="rows encoded at a time")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder, removed after")
    parser.add_argument("--stage-local", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage_local:
        print(json.dumps(encode_in_process(args.stage_local, args.files, args.out, args.chunk)))
        return
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(benchmark(args), indent=1))
        return
    with tempfile.TemporaryDirectory(prefix="hashlearn_dist_") as folder:
        args.workdir = Path(folder)
        print(json.dumps(benchmark(args), indent=1))


if __name__ == "__main__":
    main()
