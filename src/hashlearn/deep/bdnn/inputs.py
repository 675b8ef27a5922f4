"""The network inputs of a BDNN fit: the rescaled features, or SDH's kernel map of them.

Every candidate of the race reads the rescaled features unless it sets ``n_anchors``;
:class:`InputsByAnchors` builds each kernel map once and hands it to every candidate
with that anchor count.

Examples
--------
>>> anchor_count(1000), covers({"n_anchors": 1000}, 900), covers({"n_anchors": 1000}, 5000)
(1000, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from hashlearn.deep.bdnn.kernel_inputs import KernelMap, kernel_map


@dataclass
class NetworkInputs:
    """Network inputs (rescaled features, or their kernel map) and how validation scores
    them; ``features`` are the rows before either, ``kernel`` the map (None: none)."""

    X: torch.Tensor
    X_val: torch.Tensor | None
    relevance: Any
    held_out: bool
    shift: np.ndarray
    scale: float
    features: np.ndarray
    features_val: np.ndarray | None
    kernel: KernelMap | None = None


def covers(candidate: dict[str, Any], n_rows: int) -> bool:
    """Whether a default candidate suits ``n_rows`` training rows: one without the kernel
    map, or one whose anchors are every training row (with fewer anchors than rows the
    kernel map lost 14.5 mAP points on 5,000 MNIST labels: benchmarks/results/bdnn.md 6c).

    >>> covers({"lambda1": 1e-3}, 5000), covers({"n_anchors": 1000}, 900)
    (True, True)
    >>> covers({"n_anchors": 1000}, 5000)
    False
    """
    return candidate.get("n_anchors", 0) == 0 or candidate["n_anchors"] >= n_rows


def anchor_count(value: Any, where: str = "") -> int:
    """``n_anchors`` as an integer >= 0 (0: the features as they are), else ValueError.

    >>> anchor_count(1000), anchor_count(0.0)
    (1000, 0)
    """
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not number or not 0 <= value < float("inf") or value % 1:
        raise ValueError(f"{where}n_anchors must be an integer >= 0 or 'auto', got {value!r}")
    return int(value)


class InputsByAnchors:
    """The network inputs of each choice, built once per anchor count: the rescaled
    features for ``n_anchors`` 0, else their kernel map on anchors drawn by a generator
    seeded by ``seed`` (the same anchors for every choice of a count, and every training
    row for any count above the rows)."""

    def __init__(self, inputs: NetworkInputs, seed: int):
        self.built: dict[int, NetworkInputs] = {0: inputs}
        self.seed = seed

    def __call__(self, choice: dict[str, Any]) -> NetworkInputs:
        n = anchor_count(choice["n_anchors"])
        if n not in self.built:
            self.built[n] = self._kernel_inputs(n)
        return self.built[n]

    def _kernel_inputs(self, n_anchors: int) -> NetworkInputs:
        plain = self.built[0]
        rng = np.random.default_rng(self.seed)
        mapped = kernel_map(plain.features, plain.features_val, n_anchors, rng)
        dtype = plain.X.dtype
        X = torch.as_tensor(mapped.X, dtype=dtype)
        X_val = None if mapped.X_val is None else torch.as_tensor(mapped.X_val, dtype=dtype)
        return replace(plain, X=X, X_val=X_val, shift=mapped.mean, scale=1.0, kernel=mapped)
