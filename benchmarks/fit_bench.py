"""Fit time of the classic PCA-based hashers against the fastest peer, same input, same run.

For each input (float32 Gaussian rows with a decaying spectrum and column means of up to
two standard deviations, as MNIST's pixels, in shapes 100 x 2,048, 20,000 x 1,280 and
60,000 x 784; with ``--mnist`` also the 60,000 MNIST training images), each method and
each code length, times our ``fit`` and the peer's, alternately, best of 3:

* ITQ: ``faiss.ITQTransform(d, bits, True).train`` (PCA + ITQ; faiss trains on at most
  max(32,768, 10 d) rows, we use them all);
* PCAH: scikit-learn ``PCA(bits).fit`` with its fastest ``svd_solver`` on that input (each
  solver tried once, the fastest then timed with ours);
* SH: the same with ``PCA(bits).fit_transform``: SH's PCA step also projects the training
  rows (their ranges set the modes);
* ITQ-CCA (supervised, 10 classes): faiss ``ITQTransform`` again, the nearest peer (PCA
  instead of CCA, then the same ITQ).

Times are the best of the repeats, wall-clock ("s") and process CPU ("cpu s", the better
guide on a loaded machine with one thread; with ``--threads N`` it sums the threads).

Code agreement: the fraction of equal bits on held-out rows (5,000 generated rows; the
MNIST test images) between our codes and those of two references computed here with the
same seed: ``f64``, everything in float64 (covariance, full ``eigh``, ITQ iterations), and
``prev``, the solver this project used before (covariance in float32 past 10,000 rows,
then as ``f64``; for ITQ-CCA both are the previous float64 generalised ``eigh``, with
our sign convention). ITQ's iterations amplify any round-off: a 1e-7 relative change of
``B^T V`` alters about 0.2% of the bits after 50 iterations, so ``f64`` and ``prev`` differ
at that level on large inputs. ``--map`` adds the mAP (mnist-10k protocol) of ours and of
``prev`` for ITQ and PCAH on MNIST.

``--sh-steps`` times SH's steps instead (its PCA, the projection of the training rows,
the whole fit) beside scikit-learn's ``PCA.fit`` and ``fit_transform`` (covariance
solver), to show where SH's fit time goes.

Usage (one thread each by default; ``--threads N`` for N)::

    OMP_WAIT_POLICY=PASSIVE HASHLEARN_DATA=~/datasets \\
        python benchmarks/fit_bench.py --mnist --map
"""

from __future__ import annotations

import argparse
import os
import sys


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--bits", default="32,64", help="comma-separated code lengths")
    parser.add_argument("--methods", default="itq,pcah,sh,itq-cca")
    parser.add_argument("--shapes", default="100x2048,20000x1280,60000x784")
    parser.add_argument("--mnist", action="store_true", help="also the MNIST training images")
    parser.add_argument("--map", action="store_true", help="with --mnist: mAP of ours and prev")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sh-steps", action="store_true", help="time SH's steps beside scikit-learn's PCA instead"
    )
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # thread counts must be set before numpy and faiss load
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import hashlearn  # noqa: E402
from hashlearn.hashers._itq import random_orthogonal  # noqa: E402
from hashlearn.hashers.sh import smallest_modes  # noqa: E402

PCA_SOLVERS = ("auto", "full", "covariance_eigh", "randomized", "arpack")
N_HELD_OUT = 5_000


def load_average() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def wall_and_cpu(fn, *args) -> tuple[float, float]:
    """Wall-clock and process CPU seconds of ``fn(*args)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def gaussian_input(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows, held-out rows (float32) and 10-class labels of the training rows."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, d)))[0].astype(np.float32)
    scales = (1.0 / np.sqrt(np.arange(1, d + 1))).astype(np.float32)
    column_std = np.sqrt(np.square(scales) @ np.square(basis))
    offset = (column_std * rng.uniform(0.0, 2.0, d)).astype(np.float32)

    def rows(count: int) -> np.ndarray:
        return (rng.standard_normal((count, d), dtype=np.float32) * scales) @ basis + offset

    X = rows(n)
    labels = np.argmax((X - offset) @ rng.standard_normal((d, 10)).astype(np.float32), axis=1)
    return X, rows(N_HELD_OUT), labels


def mnist_input() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from hashlearn.data import load_mnist, mnist_features

    X = np.ascontiguousarray(mnist_features())
    return X[:60_000], X[60_000:], load_mnist().labels[:60_000]


# ---- references: the exact float64 solver and the previous solver -------------------------


def reference_pca(X: np.ndarray, n_components: int, float32_above: float):
    """Mean and top directions: covariance (float32 past ``float32_above`` rows), full eigh."""
    X = X.astype(np.float64)
    mean = X.mean(axis=0)
    centered = X - mean
    if X.shape[0] > float32_above:
        centered = centered.astype(np.float32)
    values, vectors = np.linalg.eigh((centered.T @ centered).astype(np.float64))
    W = vectors[:, np.argsort(values)[::-1][:n_components]]
    largest = W[np.abs(W).argmax(axis=0), np.arange(W.shape[1])]
    return mean, W * np.where(largest < 0, -1.0, 1.0)


def reference_itq_rotation(V: np.ndarray, seed: int, n_iter: int = 50) -> np.ndarray:
    R = random_orthogonal(V.shape[1], np.random.default_rng(seed))
    for _ in range(n_iter):
        U, _, Wt = np.linalg.svd(np.where(V @ R >= 0, 1.0, -1.0).T @ V)
        R = (U @ Wt).T
    return R


def reference_cca(X: np.ndarray, labels: np.ndarray, n_components: int, reg: float = 1e-4):
    """The previous ITQ-CCA solver: float64 statistics, full generalised eigh."""
    X = X.astype(np.float64)
    Y = np.eye(labels.max() + 1)[labels]
    mean = X.mean(axis=0)
    Xc, Yc = X - mean, Y - Y.mean(axis=0)
    n = X.shape[0] - 1
    cxx = Xc.T @ Xc / n + reg * np.eye(X.shape[1])
    cyy = Yc.T @ Yc / n + reg * np.eye(Y.shape[1])
    cxy = Xc.T @ Yc / n
    values, vectors = scipy.linalg.eigh(cxy @ np.linalg.solve(cyy, cxy.T), cxx)
    order = np.argsort(values)[::-1][:n_components]
    W = vectors[:, order]
    largest = W[np.abs(W).argmax(axis=0), np.arange(W.shape[1])]
    return mean, W * np.where(largest < 0, -1.0, 1.0) * np.sqrt(np.clip(values[order], 0, None))


def reference_encoder(method, X, labels, bits, pca):
    """Function mapping rows to bool codes: ``method`` fitted with the reference ``pca``."""
    mean, W = pca[0], pca[1][:, :bits]
    X64 = X.astype(np.float64)
    if method == "itq-cca":
        mean, W = reference_cca(X, labels, bits)
    if method in ("itq", "itq-cca"):
        W = W @ reference_itq_rotation((X64 - mean) @ W, seed=0)
    if method != "sh":
        return lambda Z: (Z.astype(np.float64) - mean) @ W >= 0
    V = (X64 - mean) @ W
    low = V.min(axis=0) - np.finfo(np.float64).eps
    ranges = np.maximum(V.max(axis=0) + np.finfo(np.float64).eps - low, 1e-12)
    dims, modes = smallest_modes(ranges, bits)
    omega = np.pi * modes / ranges[dims]

    def encode(Z):
        V = (Z.astype(np.float64) - mean) @ W
        return np.sin(np.pi / 2 + (V[:, dims] - low[dims]) * omega) >= 0

    return encode


# ---- timing -----------------------------------------------------------------------------


def fit_ours(method, X, labels, bits):
    model = hashlearn.create(method, n_bits=bits, random_state=0)
    return model.fit(X, labels) if model.supervised else model.fit(X)


def faiss_peer(X, bits):
    import faiss

    return "faiss ITQTransform", lambda: faiss.ITQTransform(X.shape[1], bits, True).train(X)


def sklearn_pca_peer(X, bits, method="fit"):
    """scikit-learn PCA ``method`` with the solver fastest on one trial each (unavailable ones
    skipped)."""
    from sklearn.decomposition import PCA

    def run(solver):
        return getattr(PCA(bits, svd_solver=solver, random_state=0), method)(X)

    trials = {}
    for solver in PCA_SOLVERS:
        try:
            trials[solver] = seconds(run, solver)
        except ValueError:
            continue
    solver = min(trials, key=trials.get)
    return f"sklearn PCA.{method} {solver}", lambda: run(solver)


PEERS = {
    "itq": faiss_peer,
    "itq-cca": faiss_peer,
    "pcah": sklearn_pca_peer,
    "sh": lambda X, bits: sklearn_pca_peer(X, bits, "fit_transform"),
}


def bench_row(method, name, X, held_out, labels, bits, references, repeats):
    """One table row: ours and the peer timed alternately, best of ``repeats`` each."""
    fit_ours(method, X, labels, bits)  # warm-up (imports, first-call costs)
    peer_name, peer_fit = PEERS[method](X, bits)
    ours, peer = [], []
    for _ in range(repeats):
        ours.append(wall_and_cpu(fit_ours, method, X, labels, bits))
        peer.append(wall_and_cpu(peer_fit))
    (ours_wall, ours_cpu), (peer_wall, peer_cpu) = np.min(ours, axis=0), np.min(peer, axis=0)
    codes = fit_ours(method, X, labels, bits).project(held_out) >= 0
    agree = {
        key: float(np.mean(codes == reference_encoder(method, X, labels, bits, pca)(held_out)))
        for key, pca in references.items()
    }
    return (
        f"| {method} | {name} {X.shape[0]} x {X.shape[1]} | {bits} | {ours_wall:.3f} | "
        f"{peer_name} | {peer_wall:.3f} | {peer_wall / ours_wall:.2f} | {ours_cpu:.3f} | "
        f"{peer_cpu:.3f} | {peer_cpu / ours_cpu:.2f} | {agree['f64']:.5f} | "
        f"{agree['prev']:.5f} | {load_average()} |"
    )


def mnist_map_rows(X, held_out, labels, bits_list, prev_pca):
    """mAP (queries: the MNIST test images, database: the training images), ours and prev."""
    from hashlearn.codes import pack_bits
    from hashlearn.metrics import mean_average_precision

    rows = []
    for method in ("itq", "pcah"):
        for bits in bits_list:
            ours = fit_ours(method, X, None, bits)
            prev = reference_encoder(method, X, None, bits, prev_pca)
            scores = [
                mean_average_precision(query, db, labels[60_000:], labels[:60_000], n_bits=bits)
                for query, db in (
                    (ours.encode(held_out), ours.encode(X)),
                    (pack_bits(prev(held_out)), pack_bits(prev(X))),
                )
            ]
            rows.append(f"| {method} | {bits} | {scores[0]:.4f} | {scores[1]:.4f} |")
    return rows


def best_seconds(fn, repeats: int) -> float:
    return min(seconds(fn) for _ in range(repeats))


def sh_step_row(name: str, X: np.ndarray, bits: int, repeats: int) -> str:
    """SH's fit step by step beside scikit-learn's ``PCA.fit`` and ``fit_transform``."""
    from sklearn.decomposition import PCA

    from hashlearn.hashers._pca import project, top_pca

    mean, pcs, _ = top_pca(X, bits)
    steps = {
        "PCA": lambda: top_pca(X, bits),
        "projection": lambda: project(X, pcs, mean, dtype=np.float32),
        "SH fit": lambda: fit_ours("sh", X, None, bits),
        "sk fit": lambda: PCA(bits, svd_solver="covariance_eigh").fit(X),
        "sk fit_transform": lambda: PCA(bits, svd_solver="covariance_eigh").fit_transform(X),
    }
    times = [f"{best_seconds(step, repeats):.3f}" for step in steps.values()]
    return (
        f"| {name} {X.shape[0]} x {X.shape[1]} | {bits} | {' | '.join(times)} | {load_average()} |"
    )


def main(args: argparse.Namespace) -> None:
    import faiss

    faiss.omp_set_num_threads(args.threads)
    bits_list = [int(b) for b in args.bits.split(",")]
    inputs = [("gauss", *gaussian_input(*map(int, s.split("x")))) for s in args.shapes.split(",")]
    if args.mnist:
        inputs.append(("mnist", *mnist_input()))
    print(f"threads={args.threads} load average at start: {load_average()}\n")
    if args.sh_steps:
        print(
            "| input | bits | our PCA s | our projection s | our SH fit s | sklearn PCA.fit s "
            "| sklearn PCA.fit_transform s | load avg |\n|---|---|---|---|---|---|---|---|"
        )
        with threadpool_limits(args.threads):
            for name, X, _, _ in inputs:
                for bits in bits_list:
                    print(sh_step_row(name, X, bits, args.repeats), flush=True)
        return
    print(
        "| method | input | bits | ours s | peer | peer s | peer/ours | ours cpu s | peer cpu s "
        "| cpu peer/ours | agree f64 | agree prev | load avg |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    with threadpool_limits(args.threads):
        for name, X, held_out, labels in inputs:
            top = max(bits_list)
            references = {
                "f64": reference_pca(X, top, float32_above=np.inf),
                "prev": reference_pca(X, top, float32_above=10_000),
            }
            for method in args.methods.split(","):
                for bits in bits_list:
                    row = bench_row(
                        method, name, X, held_out, labels, bits, references, args.repeats
                    )
                    print(row, flush=True)
            if name == "mnist" and args.map:
                from hashlearn.data import load_mnist

                print("\n| method | bits | mAP ours | mAP prev |\n|---|---|---|---|")
                labels_all = load_mnist().labels
                for row in mnist_map_rows(X, held_out, labels_all, bits_list, references["prev"]):
                    print(row, flush=True)


if __name__ == "__main__":
    sys.exit(main(ARGS))
