"""Fit time of the classic methods with BLAS on all cores and on one thread.

Many fits are loops of small matrix products (KSH fits one bit at a time with
L-BFGS over 300 anchors; BRE updates one weight at a time). OpenBLAS splits even
small products over its threads, which spin while they wait: on a machine whose
cores are busy with other work, that spinning can cost far more than the products.
This script fits each method twice per round, BLAS threads unlimited and limited
to one (each model's ``blas_policy`` set to ``"all"`` or ``"one"``), in turns,
and prints the best of ``--repeat`` rounds of each and their ratio. Run it once
on a quiet machine and once beside another job (for instance a training run) to
see both sides. Usage::

    python benchmarks/blas_threads_bench.py --methods ksh,sdh,itq --shapes digits,20000x1280
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_info

import hashlearn


def fit_seconds(method: str, n_bits: int, X: np.ndarray, y: np.ndarray, one_thread: bool) -> float:
    """Seconds of one ``fit`` of ``method`` on ``(X, y)``, BLAS on one thread or on all.

    The method's own ``blas_policy`` is replaced, on this model only, by the one asked for.
    """
    model: Any = hashlearn.create(method, n_bits=n_bits, random_state=0)
    model.blas_policy = "one" if one_thread else "all"
    tic = time.perf_counter()
    model.fit(X, y) if model.supervised else model.fit(X)
    return time.perf_counter() - tic


def dataset(shape: str) -> tuple[np.ndarray, np.ndarray]:
    """``digits`` (scikit-learn's, scaled to [0, 1]) or ``NxD`` Gaussian rows with 10 labels.

    >>> [a.shape for a in dataset("30x4")]
    [(30, 4), (30,)]
    """
    if shape == "digits":
        X, y = load_digits(return_X_y=True)
        return X / 16.0, y
    n, d = (int(v) for v in shape.split("x"))
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n)
    return (rng.normal(size=(10, d))[y] + rng.normal(size=(n, d))).astype(np.float32), y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--methods", default="ksh,bre,bre-sup,sdh,itq,itq-cca,sh,pcah")
    ap.add_argument("--bits", type=int, default=32)
    ap.add_argument("--shapes", default="digits", help="digits and/or NxD, comma-separated")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    blas = ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info())
    print(f"{args.bits} bits; thread pools: {blas}")
    for shape in args.shapes.split(","):
        X, y = dataset(shape)
        for method in args.methods.split(","):
            best = {False: np.inf, True: np.inf}
            for _ in range(args.repeat):
                for one_thread in best:
                    seconds = fit_seconds(method, args.bits, X, y, one_thread)
                    best[one_thread] = min(best[one_thread], seconds)
            print(
                f"{shape:12s} {method:8s} all threads {best[False]:7.2f} s  "
                f"one thread {best[True]:7.2f} s  all / one = {best[False] / best[True]:5.2f}x",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
