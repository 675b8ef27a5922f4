"""What MKL's COMPATIBLE path costs SH-BDNN against its AVX2 path, and what it changes.

``hashlearn`` pins MKL to its AVX2 path (``MKL_CBWR=AVX2``), which MKL honours on Intel
processors only: on others it keeps its own choice of kernels, so pinned runs on an
Intel and an AMD processor differ (docs/reproduce.md). MKL documents one path for
both, ``COMPATIBLE`` (SSE2 without the approximate reciprocals). This script fits
SH-BDNN with fixed settings (the paper preset: no race) once per path and round, in
turns, each in its own process (MKL reads the variable when it loads), one thread,
the other kernel variables pinned by the command line as usual; it prints the best
fit time of each path, their ratio and each path's test mAP. Run it on a quiet
machine. Usage::

    python benchmarks/mkl_branch_bench.py --protocol digits --bits 32 --repeat 2
    HASHLEARN_DATA=~/datasets python benchmarks/mkl_branch_bench.py --protocol mnist-10k-5k
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PATHS = ("AVX2", "COMPATIBLE")


def fit_once(protocol: str, n_bits: int, mkl_path: str, out: Path) -> tuple[float, float]:
    """Train seconds and test mAP of one SH-BDNN fit (paper preset, seed 0) with
    ``MKL_CBWR=mkl_path``, through ``hashlearn bench`` in a fresh process."""
    env = {**os.environ, "MKL_CBWR": mkl_path, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "hashlearn.cli", "bench", "--protocol", protocol,
        "--methods", "sh-bdnn", "--bits", str(n_bits), "--seeds", "0", "--metrics", "map",
        "--param", "sh-bdnn:preset=paper", "--out", str(out),
    ]  # fmt: skip
    subprocess.run(command, env=env, check=True, capture_output=True)
    record = json.loads(out.read_text())["records"][0]
    return float(record["train_seconds"]), float(record["metrics"]["map"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--protocol", default="digits")
    ap.add_argument("--bits", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    best = {path: float("inf") for path in PATHS}
    scores: dict[str, set[float]] = {path: set() for path in PATHS}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat):
            for path in PATHS:
                seconds, score = fit_once(args.protocol, args.bits, path, Path(tmp) / "r.json")
                best[path] = min(best[path], seconds)
                scores[path].add(round(score, 6))
                print(f"round {round_}: MKL_CBWR={path:10s} {seconds:8.2f} s  mAP {score:.4f}")
    for path in PATHS:
        print(f"{path:10s} best {best[path]:8.2f} s  mAP {sorted(scores[path])}")
    print(f"COMPATIBLE / AVX2 = {best['COMPATIBLE'] / best['AVX2']:.2f}x; "
          f"load average {os.getloadavg()[0]:.2f} at the end")  # fmt: skip


if __name__ == "__main__":
    main()
