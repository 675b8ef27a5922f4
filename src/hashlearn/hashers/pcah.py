"""PCAH: sign of the top principal components (the PCA baseline of Gong and Lazebnik 2011)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._kernel import check_n_bits_at_most
from hashlearn.hashers._pca import float_features, top_pca


@register("pcah")
class PCAH(BaseHasher):
    """Project onto the ``n_bits`` top principal directions and threshold at zero.

    Parameters
    ----------
    n_bits : code length; at most the number of features.
    random_state : unused (PCA is deterministic); kept for a uniform interface.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 8))
    >>> PCAH(n_bits=4).fit(X).transform(X[:3]).shape
    (3, 4)
    """

    def __init__(self, n_bits: int = 32, random_state: Any = None):
        self.n_bits = n_bits
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn the mean and principal directions of ``X``."""
        n_bits = self._validate_n_bits()
        X = float_features(X)
        check_n_bits_at_most(n_bits, X.shape[1], "n_features")
        self.n_features_in_ = X.shape[1]
        self.mean_, self.projection_, _ = top_pca(X, n_bits)

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.projection_
