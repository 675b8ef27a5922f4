"""ITQ: Iterative Quantization (Gong and Lazebnik, CVPR 2011)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._itq import itq_rotation
from hashlearn.hashers._pca import (
    center,
    float_features,
    project,
    top_directions,
)


@register("itq")
class ITQ(BaseHasher):
    """PCA to ``n_bits`` dimensions, then a learned rotation minimising quantization error.

    Parameters
    ----------
    n_bits : code length; at most the number of features.
    n_iter : ITQ iterations (paper: 50).
    random_state : seed of the random initial rotation.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 16))
    >>> ITQ(n_bits=8, random_state=0).fit(X).transform(X[:2]).shape
    (2, 8)
    """

    def __init__(self, n_bits: int = 32, n_iter: int = 50, random_state: Any = None):
        self.n_bits = n_bits
        self.n_iter = n_iter
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn the PCA projection and the rotation on ``X``."""
        n_bits = self._validate_n_bits()
        X = float_features(X)
        if n_bits > X.shape[1]:
            raise ValueError(
                f"ITQ needs n_bits <= n_features; got n_bits={n_bits} with {X.shape[1]} features"
            )
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.mean_, centered = center(X)
        pcs, _ = top_directions(centered, n_bits)
        del centered  # not needed by the rotation: free it
        rotation = itq_rotation(project(X, pcs, self.mean_), self.n_iter, rng)
        self.projection_ = pcs @ rotation

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.projection_
