"""LSH: sign of random Gaussian projections (Charikar 2002)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn._validation import check_features
from hashlearn.base import BaseHasher


@register("lsh")
class LSH(BaseHasher):
    """Locality-sensitive hashing with random hyperplanes through the data mean.

    Parameters
    ----------
    n_bits : code length.
    center : subtract the training mean before projecting (default True), so
        hyperplanes pass through the data and bits are roughly balanced.
    random_state : seed of the Gaussian projection.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 5))
    >>> LSH(n_bits=8, random_state=0).fit(X).encode(X).shape
    (20, 1)
    """

    def __init__(self, n_bits: int = 32, center: bool = True, random_state: Any = None):
        self.n_bits = n_bits
        self.center = center
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Draw the projection; only the mean and dimension come from ``X``."""
        n_bits = self._validate_n_bits()
        X = check_features(X)
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0) if self.center else np.zeros(X.shape[1])
        self.projection_ = rng.normal(size=(X.shape[1], n_bits))

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.projection_
