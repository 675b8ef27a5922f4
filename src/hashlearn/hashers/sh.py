"""SH: Spectral Hashing (Weiss, Torralba and Fergus, NIPS 2008)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._pca import float_features, project, top_pca


def smallest_modes(ranges: np.ndarray, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Dimension and mode number of the ``n_bits`` smallest non-constant eigenfunctions.

    For a uniform distribution on ``[a, b]`` the 1-D eigenfunctions are
    ``sin(pi/2 + k pi (x - a) / (b - a))`` with eigenvalue growing with
    ``(k / (b - a))^2``; the paper keeps the smallest ones over all dimensions.

    >>> dims, ks = smallest_modes(np.array([4.0, 1.0]), 5)
    >>> dims.tolist(), ks.tolist()
    ([0, 0, 0, 0, 1], [1, 2, 3, 4, 1])
    """
    ks = np.arange(1, n_bits + 1)  # one dimension alone could supply every bit
    omega = ks[None, :] / ranges[:, None]
    order = np.argsort(omega, axis=None, kind="stable")[:n_bits]
    dims, cols = np.unravel_index(order, omega.shape)
    return dims.astype(np.int64), ks[cols].astype(np.int64)


@register("sh")
class SH(BaseHasher):
    """PCA to ``min(n_bits, n_features)`` dimensions, then analytical eigenfunctions.

    Each bit is the sign of ``sin(pi/2 + k pi (v_d - a_d) / (b_d - a_d))`` on one
    principal coordinate ``v_d`` with range ``[a_d, b_d]`` on the training set;
    the ``n_bits`` (d, k) pairs with the smallest eigenvalues are kept, as in the
    paper (uniform-distribution approximation, no free hyper-parameter).

    Parameters
    ----------
    n_bits : code length (any; several bits may share a principal direction).
    random_state : unused (the method is deterministic); kept for a uniform interface.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 8))
    >>> SH(n_bits=12).fit(X).transform(X[:3]).shape
    (3, 12)
    """

    def __init__(self, n_bits: int = 32, random_state: Any = None):
        self.n_bits = n_bits
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn the principal directions, their ranges and the chosen modes."""
        n_bits = self._validate_n_bits()
        X = float_features(X)
        self.n_features_in_ = X.shape[1]
        self.mean_, self.pcs_, _ = top_pca(X, min(n_bits, X.shape[1]))
        V = project(X, self.pcs_, self.mean_, dtype=np.float32)
        eps = np.finfo(np.float64).eps
        self.low_ = V.min(axis=0) - eps
        ranges = np.maximum(V.max(axis=0) + eps - self.low_, 1e-12)
        self.dims_, modes = smallest_modes(ranges, n_bits)
        self.omega_ = np.pi * modes / ranges[self.dims_]

    def _project(self, X: np.ndarray) -> np.ndarray:
        V = (X - self.mean_) @ self.pcs_
        return np.sin(np.pi / 2 + (V[:, self.dims_] - self.low_[self.dims_]) * self.omega_)
