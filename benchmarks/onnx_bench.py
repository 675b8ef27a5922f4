"""Encoding speed of an exported model: onnxruntime against torch ``project``, same threads.

Two networks, each fitted briefly on random data (speed does not depend on
what the weights learnt), exported with :func:`hashlearn.export.onnx.export_onnx`,
then timed on the same inputs:

* HashNet on features: 1280-D rows, hidden layer 1024, 64 bits (1 epoch);
* HashNet on images: EfficientNet-Lite0 at 128 px + MLP 1024 + 64 bits
  (``finetune="frozen"``, 1 epoch, float32: torch's bfloat16 autocast would not
  compare like for like), on uint8 128 x 128 images.

Both sides use ``--threads`` intra-op threads (``torch.set_num_threads``,
onnxruntime's ``intra_op_num_threads``) and the batch sizes of ``project``
(8,192 feature rows, 32 images). Each figure is the best of ``--repeats`` timed
passes after one warm-up pass; "ratio" is onnxruntime's rows/s over torch's,
"bits equal" the fraction of equal bits of the two. The load average is printed
with the figures::

    python benchmarks/onnx_bench.py --threads 1 --rows 8192 --images 64
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import torch

import hashlearn
from hashlearn.export.onnx import compare_outputs, export_onnx, model_input, onnx_session, run_onnx

N_BITS = 64


def feature_model(n_train: int, rng: np.random.Generator) -> Any:
    """HashNet 1280 -> 1024 -> 64 bits, one epoch on random rows."""
    X = rng.normal(size=(n_train, 1280)).astype(np.float32)
    y = rng.integers(0, 10, n_train)
    model = hashlearn.create(
        "hashnet", n_bits=N_BITS, hidden_sizes=(1024,), epochs=1, val_size=0, random_state=0
    )
    return model.fit(X, y)


def image_model(n_train: int, rng: np.random.Generator) -> Any:
    """HashNet on EfficientNet-Lite0 at 128 px (CNN frozen), one epoch on random images."""
    images = rng.integers(0, 256, (n_train, 128, 128, 3), dtype=np.uint8)
    model = hashlearn.create(
        "hashnet",
        n_bits=N_BITS,
        epochs=1,
        batch_size=16,
        finetune="frozen",
        image_size=128,
        augment=False,
        precision="float32",
        val_size=0,
        random_state=0,
    )
    return model.fit(images, rng.integers(0, 10, n_train))


def best_rate(run: Callable[[], Any], n_rows: int, repeats: int) -> tuple[float, Any]:
    """Rows per second of the fastest of ``repeats`` timed calls (after a warm-up), and
    the output of the last call."""
    out = run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return n_rows / best, out


def measure(name: str, model: Any, X: np.ndarray, folder: Path, args: argparse.Namespace) -> str:
    """One table line: torch and onnxruntime rows/s on ``X``, their ratio, equal bits."""
    tic = time.perf_counter()
    path = export_onnx(model, folder / f"{name.split()[0]}.onnx")
    export_seconds = time.perf_counter() - tic
    session = onnx_session(path, threads=args.threads)
    rows, batch = model_input(model, X)
    torch.set_num_threads(args.threads)
    torch_rate, reference = best_rate(lambda: model.project(rows), len(rows), args.repeats)
    ort_rate, (projection, bits) = best_rate(
        lambda: run_onnx(session, rows, batch), len(rows), args.repeats
    )
    equal = compare_outputs(reference, projection, bits)["bits_equal"]
    return (
        f"{name:<34}{len(rows):>7}{torch_rate:>14,.0f}{ort_rate:>14,.0f}"
        f"{ort_rate / torch_rate:>8.2f}{equal:>12.6f}{export_seconds:>10.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads of both")
    parser.add_argument("--rows", type=int, default=8192, help="feature rows timed")
    parser.add_argument("--images", type=int, default=64, help="images timed")
    parser.add_argument("--train-rows", type=int, default=2000, help="feature rows fitted")
    parser.add_argument("--train-images", type=int, default=32, help="images fitted")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes (best kept)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(args.rows, 1280)).astype(np.float32)
    images = rng.integers(0, 256, (args.images, 128, 128, 3), dtype=np.uint8)
    print(
        f"threads {args.threads}, torch {torch.__version__}, onnxruntime "
        f"{onnxruntime.__version__}, load average {os.getloadavg()[0]:.2f} (1 min)"
    )
    header = ("network", "rows", "torch rows/s", "onnx rows/s", "ratio", "bits equal", "export s")
    print(f"{header[0]:<34}{header[1]:>7}" + "".join(f"{h:>14}" for h in header[2:4]), end="")
    print(f"{header[4]:>8}{header[5]:>12}{header[6]:>10}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = feature_model(args.train_rows, rng)
        print(measure("hashnet features 1280-1024-64", model, features, folder, args))
        model = image_model(args.train_images, rng)
        name = "hashnet efficientnet-lite0 128px"
        print(measure(name, model, images, folder, args))
    print(f"load average at the end {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
