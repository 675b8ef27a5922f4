"""BRE: Binary Reconstructive Embedding (Kulis and Darrell, NIPS 2009)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn._validation import check_features
from hashlearn.base import BaseHasher
from hashlearn.hashers._bre_kernel import best_step
from hashlearn.hashers._kernel import (
    normalized_labels,
    rbf_features,
    squared_distances,
    supervised_inputs,
)

MAX_TRAIN = 20000


def target_distances(X: np.ndarray, Z: np.ndarray | None) -> np.ndarray:
    """Pairwise targets in [0, 1]: scaled squared Euclidean distances, or label distances.

    Unsupervised (paper eq. 1): ``||x_i - x_j||^2 / 2`` on unit-norm inputs,
    divided by its maximum. Supervised (paper section 3.3): ``1 - cos`` of the
    label rows, i.e. 0 for the same class and 1 for different classes.

    >>> target_distances(np.zeros((2, 1)), np.eye(2)).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if Z is not None:
        return 1.0 - Z @ Z.T
    U = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    D = squared_distances(U, U) / 2.0
    np.fill_diagonal(D, 0.0)
    return D / max(float(D.max()), 1e-12)


@register("bre")
class BRE(BaseHasher):
    """Kernel hash functions fitted so Hamming distances reconstruct target distances.

    Bit ``p`` is ``sign(sum_q W_pq (k(x_pq, x) - mean))`` over ``n_base`` points
    ``x_pq`` drawn from the training sample (RBF kernel, bandwidth = root mean
    squared distance). Every weight is updated in turn to its exact optimum of
    ``sum_ij (d_target - Hamming/n_bits)^2`` (the objective is piecewise constant
    in one weight; all breakpoints are scanned), for ``n_sweeps`` sweeps.
    Pairs are taken among ``n_train`` training points (n_train^2 memory).

    Parameters
    ----------
    n_bits : code length.
    n_train : training points whose pairs are reconstructed (paper: about 1000;
        default 500, as each weight update costs O(n_train^2)).
    n_base : kernel points per hash function (``t`` in the paper; default 50).
    n_sweeps : passes of coordinate descent over all weights (paper: until
        convergence; default 3, stops early at no gain).
    random_state : seed of the training subset, base points and initial weights.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> BRE(n_bits=8, n_train=100, n_base=10, random_state=0).fit(X).encode(X[:2]).shape
    (2, 1)
    """

    def __init__(
        self,
        n_bits: int = 32,
        n_train: int = 500,
        n_base: int = 50,
        n_sweeps: int = 3,
        random_state: Any = None,
    ):
        self.n_bits = n_bits
        self.n_train = n_train
        self.n_base = n_base
        self.n_sweeps = n_sweeps
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn the base points and kernel weights; ``y`` is used by ``BRESupervised``."""
        n_bits = self._validate_n_bits()
        if self.supervised:
            X, Y = supervised_inputs(X, y)
        else:
            X, Y = check_features(X, min_samples=2), None
        if not 2 <= int(self.n_train) <= MAX_TRAIN:
            raise ValueError(
                f"n_train must be in 2..{MAX_TRAIN} (pairs cost n_train^2 memory),"
                f" got {self.n_train}"
            )
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        keep = np.sort(rng.choice(X.shape[0], min(int(self.n_train), X.shape[0]), False))
        X = X[keep]
        Z = None if Y is None else normalized_labels(Y[keep])
        E = target_distances(X, Z)
        base = np.stack(
            [
                rng.choice(X.shape[0], min(int(self.n_base), X.shape[0]), False)
                for _ in range(n_bits)
            ]
        )
        used, where = np.unique(base, return_inverse=True)
        self.anchors_ = X[used].copy()
        self.sigma_ = float(np.sqrt(max(squared_distances(X, self.anchors_).mean(), 1e-12)))
        K = rbf_features(X, self.anchors_, self.sigma_)
        self.kernel_mean_ = K.mean(axis=0)
        K -= self.kernel_mean_
        W = np.zeros((used.size, n_bits))
        W[where.reshape(base.shape), np.arange(n_bits)[:, None]] = rng.normal(size=base.shape)
        self.projection_ = self._descend(K, W, E, where.reshape(base.shape))

    def _descend(self, K: np.ndarray, W: np.ndarray, E: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Coordinate descent over the weights; ``E`` becomes the final residual."""
        Yp = K @ W
        H = (Yp >= 0).astype(np.int8)
        E -= squared_distances(H.astype(np.float64), H.astype(np.float64)) / W.shape[1]
        inv_b = 1.0 / W.shape[1]
        for _ in range(int(self.n_sweeps)):
            total_gain = 0.0
            for p in range(W.shape[1]):
                h = np.ascontiguousarray(H[:, p])
                for q in base[p]:
                    step, gain = best_step(E, h, Yp[:, p].copy(), K[:, q].copy(), inv_b)
                    W[q, p] += step
                    Yp[:, p] += step * K[:, q]
                    total_gain += gain
                H[:, p] = h
            if total_gain > -1e-9:
                break
        return W

    def _project(self, X: np.ndarray) -> np.ndarray:
        K = rbf_features(X, self.anchors_, self.sigma_) - self.kernel_mean_
        return K @ self.projection_


@register("bre-sup")
class BRESupervised(BRE):
    """Supervised BRE: target distance 0 for pairs sharing a label, 1 otherwise.

    Same parameters as :class:`BRE`; ``fit(X, y)`` requires labels (1-D or 0/1 matrix).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(80, 5)), rng.integers(0, 2, 80)
    >>> BRESupervised(n_bits=4, n_base=10, random_state=0).fit(X, y).transform(X[:1]).shape
    (1, 4)
    """

    supervised = True
