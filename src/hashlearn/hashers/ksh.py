"""KSH: Kernel-based Supervised Hashing (Liu, Wang, Ji, Jiang and Chang, CVPR 2012)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.optimize

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._kernel import (
    normalized_labels,
    pick_anchors,
    rbf_features,
    squared_distances,
    supervised_inputs,
)


class Residual:
    """The residual ``R = r S - B B^T`` with ``S = 2 Z Z^T - 1 1^T``, used through products.

    >>> Z = np.eye(2)[[0, 0, 1]]
    >>> R = Residual(Z, 2.0, capacity=1)
    >>> R.dot(np.array([1.0, 1.0, -1.0])).tolist()
    [6.0, 6.0, -6.0]
    >>> R.add(np.array([1.0, 1.0, -1.0])); R.dot(np.array([1.0, 1.0, -1.0])).tolist()
    [3.0, 3.0, -3.0]
    """

    def __init__(self, Z: np.ndarray, r: float, capacity: int):
        self.Z, self.r = Z, r
        self.codes = np.empty((Z.shape[0], capacity))
        self.n_codes = 0

    def add(self, b: np.ndarray) -> None:
        self.codes[:, self.n_codes] = b
        self.n_codes += 1

    def dot(self, V: np.ndarray) -> np.ndarray:
        B = self.codes[:, : self.n_codes]
        return self.r * (2.0 * self.Z @ (self.Z.T @ V) - V.sum(axis=0)) - B @ (B.T @ V)


def _smooth_cost(a: np.ndarray, K: np.ndarray, R: Residual) -> tuple[float, np.ndarray]:
    """``-phi^T R phi`` with ``phi = 2 / (1 + exp(-K a)) - 1`` and its gradient (paper eq. 8)."""
    phi = np.tanh(K @ a / 2.0)
    r_phi = R.dot(phi)
    return -float(phi @ r_phi), -K.T @ (r_phi * (1.0 - phi * phi))


def fit_bit(K: np.ndarray, R: Residual, gram: np.ndarray, n_iter: int) -> np.ndarray:
    """One greedy bit: spectral relaxation, then smoothed descent; keep the better.

    >>> K = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]); K -= K.mean(axis=0)
    >>> R = Residual(np.eye(2)[[0, 0, 1]], 1.0, capacity=1)
    >>> b = np.sign(K @ fit_bit(K, R, K.T @ K + 1e-4 * np.eye(2), 20))
    >>> bool(b[0] == b[1] != b[2])
    True
    """
    values, vectors = scipy.linalg.eigh(K.T @ R.dot(K), gram)
    a0 = vectors[:, np.argmax(values)]
    a0 *= np.sqrt(K.shape[0] / max(float(a0 @ gram @ a0), 1e-300))
    res = scipy.optimize.minimize(
        _smooth_cost, a0, args=(K, R), jac=True, method="L-BFGS-B", options={"maxiter": n_iter}
    )
    best, best_score = a0, -np.inf
    for a in (a0, res.x):
        b = np.where(K @ a >= 0, 1.0, -1.0)
        score = float(b @ R.dot(b))
        if score > best_score:
            best, best_score = a, score
    return best


@register("ksh")
class KSH(BaseHasher):
    """RBF anchor features; bits fitted greedily so code inner products match labels.

    Minimises ``||H H^T - r S||^2`` over the ``n_labeled`` labelled samples
    (``S`` = +1 same label / -1 otherwise), one bit at a time on the residual
    (paper section 3). The pairwise matrix is never formed: ``S = 2 Z Z^T - 1``
    with row-normalised labels ``Z`` (multi-label: ``2 cos - 1``).

    Parameters
    ----------
    n_bits : code length (``r`` in the paper).
    n_anchors : RBF anchors ``m`` (paper: 300).
    n_labeled : labelled samples ``l`` used (paper: 1000 or 2000; default 1000).
    n_iter : iterations of the smoothed descent per bit (paper: up to 500).
    random_state : seed of the anchors and of the labelled subset.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(120, 6)), rng.integers(0, 3, 120)
    >>> KSH(n_bits=4, n_anchors=30, n_iter=10, random_state=0).fit(X, y).encode(X[:2]).shape
    (2, 1)
    """

    supervised = True
    blas_policy = "one"  # products of n_labeled x n_anchors, one bit at a time

    def __init__(
        self,
        n_bits: int = 32,
        n_anchors: int = 300,
        n_labeled: int = 1000,
        n_iter: int = 500,
        random_state: Any = None,
    ):
        self.n_bits = n_bits
        self.n_anchors = n_anchors
        self.n_labeled = n_labeled
        self.n_iter = n_iter
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn anchors, bandwidth and the per-bit kernel weights from ``(X, y)``."""
        n_bits = self._validate_n_bits()
        X, Y = supervised_inputs(X, y)
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.anchors_ = pick_anchors(X, int(self.n_anchors), rng)
        keep = np.sort(rng.choice(X.shape[0], min(int(self.n_labeled), X.shape[0]), False))
        X, Y = X[keep], Y[keep]
        self.sigma_ = float(np.sqrt(max(squared_distances(X, self.anchors_).mean(), 1e-12)))
        K = rbf_features(X, self.anchors_, self.sigma_)
        self.kernel_mean_ = K.mean(axis=0)
        K -= self.kernel_mean_
        gram = K.T @ K + 1e-4 * np.eye(K.shape[1])
        R = Residual(normalized_labels(Y), float(n_bits), capacity=n_bits)
        weights = []
        for _ in range(n_bits):
            a = fit_bit(K, R, gram, int(self.n_iter))
            weights.append(a)
            R.add(np.where(K @ a >= 0, 1.0, -1.0))
        self.projection_ = np.stack(weights, axis=1)

    def _project(self, X: np.ndarray) -> np.ndarray:
        K = rbf_features(X, self.anchors_, self.sigma_) - self.kernel_mean_
        return K @ self.projection_
