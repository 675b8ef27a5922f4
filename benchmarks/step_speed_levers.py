"""Two levers on the speed of an end-to-end training step, against the whole network.

* ``--frozen K ...``: the first K stages of EfficientNet-Lite0 (stem = 1, then one
  per block) frozen and *not* cached (``finetune=17-K, cache_views=None``): they
  still run forward on every batch, on fresh crops, but nothing flows back through
  them.
* ``--compile``: the CNN wrapped in ``torch.compile`` (inductor), the whole network
  trained.

Each row is float32 SGD steps of HashNet's loss at 48 bits on random CIFAR-sized
uint8 images, the input pipeline (random crop + flip, resize, normalise) included,
timed after warm-up steps (the compiled network's first step, which compiles, is
reported apart). The first row is the peer: the whole network, eager, same process.

Usage (benchmarks/results/deep.md section 3ah)::

    OMP_NUM_THREADS=2 python benchmarks/step_speed_levers.py --sizes 160 192 \\
        --frozen 0 2 4 6 --batches 5
    OMP_NUM_THREADS=2 python benchmarks/step_speed_levers.py --sizes 160 --frozen 0 --compile
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import torch

from _rows import emit
from deep_bench import train_step_rate
from hashlearn.data.cnn import prepare_images
from hashlearn.deep.heads import HashHead
from hashlearn.deep.image_training import build_image_network

BATCH = 64


def step_rate(size: int, n_frozen: int, compiled: bool, batches: int) -> dict[str, Any]:
    """Images/s of training steps with the first ``n_frozen`` stages frozen, uncached."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (BATCH, 32, 32, 3), dtype=np.uint8)
    labels = torch.as_tensor(rng.integers(0, 10, BATCH))
    net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48))
    net.backbone.cnn.freeze_first(n_frozen)
    if compiled:
        net.backbone.cnn = torch.compile(net.backbone.cnn)
    net.train()

    def inputs() -> torch.Tensor:
        return prepare_images(images, size, augment=True)

    tic = time.perf_counter()
    train_step_rate(net, inputs, labels, "float32", batches=1, warmup=0)
    first_step = time.perf_counter() - tic
    rate = train_step_rate(net, inputs, labels, "float32", batches)
    return {
        "size": size,
        "frozen_stages": n_frozen,
        "compiled": compiled,
        "images_per_s": round(rate, 1),
        "first_step_s": round(first_step, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[160])
    ap.add_argument("--frozen", type=int, nargs="+", default=[0, 4])
    ap.add_argument("--compile", action="store_true", help="also the compiled whole network")
    ap.add_argument("--batches", type=int, default=5, help="timed steps per row")
    ap.add_argument("--out", help="append JSON lines here")
    args = ap.parse_args()
    for size in args.sizes:
        peer = step_rate(size, 0, False, args.batches)
        emit(peer | {"ratio": 1.0}, args.out)
        variants = [(k, False) for k in args.frozen if k] + [(0, True)] * args.compile
        for n_frozen, compiled in variants:
            row = step_rate(size, n_frozen, compiled, args.batches)
            emit(row | {"ratio": round(row["images_per_s"] / peer["images_per_s"], 2)}, args.out)
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
