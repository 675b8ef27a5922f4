"""Preprocessing used by the papers: BDNN min-max rescaling and PCA.

Both follow the fit-on-training, apply-to-everything rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class MinMaxRescaler:
    """BDNN's ``rescale_0_1``: subtract the per-dimension minimum, divide by one global scale.

    The scale is the largest per-dimension range of the training data, so the
    training data lands in [0, 1] and relative dimension scales are kept.

    Examples
    --------
    >>> r = MinMaxRescaler().fit(np.array([[0.0, 10.0], [2.0, 14.0]]))
    >>> r.transform(np.array([[1.0, 12.0]])).tolist()
    [[0.25, 0.5]]
    """

    min_: np.ndarray | None = None
    scale_: float = 1.0

    def fit(self, X: np.ndarray) -> MinMaxRescaler:
        """Learn the minimum of each column and the largest column range of ``X``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"X: expected a non-empty 2-D array, got shape {X.shape}")
        self.min_ = X.min(axis=0)
        span = float((X.max(axis=0) - self.min_).max())
        self.scale_ = span if span > 0 else 1.0
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply the fitted shift and scale (float32)."""
        if self.min_ is None:
            raise ValueError("MinMaxRescaler: call fit before transform")
        return ((np.asarray(X, dtype=np.float64) - self.min_) / self.scale_).astype(np.float32)


@dataclass
class PCAReducer:
    """Project on the top ``n_components`` principal directions of the training data.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(100, 5)) * [5, 1, 1, 1, 0.1]
    >>> p = PCAReducer(2).fit(X)
    >>> p.transform(X).shape, bool(abs(p.components_[0, 0]) > 0.99)
    ((100, 2), True)
    """

    n_components: int
    mean_: np.ndarray | None = None
    components_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> PCAReducer:
        """Eigen-decompose the covariance of ``X`` (float64)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or not 1 <= self.n_components <= X.shape[1]:
            raise ValueError(
                f"n_components: must lie in [1, {X.shape[-1]}] for X of shape {X.shape}"
            )
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        values, vectors = np.linalg.eigh(centred.T @ centred)
        top = vectors[:, np.argsort(values)[::-1][: self.n_components]].T
        signs = np.sign(top[np.arange(len(top)), np.abs(top).argmax(axis=1)])
        self.components_ = top * signs[:, None]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Centre and project (float32)."""
        if self.components_ is None or self.mean_ is None:
            raise ValueError("PCAReducer: call fit before transform")
        return ((np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T).astype(
            np.float32
        )
