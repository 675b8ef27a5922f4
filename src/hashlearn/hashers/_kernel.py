"""Shared helpers of the kernel and supervised hashers: RBF anchor features, labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import check_features, check_labels, labels_to_onehot

_CHUNK = 4096


def squared_distances(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (n, m) between rows of ``X`` and rows of ``A``.

    >>> squared_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).tolist()
    [[25.0]]
    """
    d = (X * X).sum(axis=1)[:, None] - 2.0 * (X @ A.T) + (A * A).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def pick_anchors(X: np.ndarray, n_anchors: int, rng: np.random.Generator) -> np.ndarray:
    """``min(n_anchors, n_samples)`` distinct training rows drawn at random.

    >>> pick_anchors(np.eye(4), 2, np.random.default_rng(0)).shape
    (2, 4)
    """
    idx = np.sort(rng.choice(X.shape[0], size=min(n_anchors, X.shape[0]), replace=False))
    return X[idx].copy()


def nearest_anchor_sigma(X: np.ndarray, anchors: np.ndarray) -> float:
    """Mean distance from each row of ``X`` to its nearest anchor (SDH demo's bandwidth).

    When there are as many anchors as rows, every row is an anchor (anchors are
    drawn from the rows) and its nearest anchor is itself: the bandwidth would be
    zero up to rounding and the kernel the identity. Then each row's distance to
    its nearest *other* anchor is used.

    >>> nearest_anchor_sigma(np.array([[0.0], [2.0]]), np.array([[1.0]]))
    1.0
    >>> nearest_anchor_sigma(np.array([[0.0], [3.0]]), np.array([[0.0], [3.0]]))
    3.0
    """
    rank = 1 if anchors.shape[0] >= X.shape[0] > 1 else 0
    total = 0.0
    for start in range(0, X.shape[0], _CHUNK):
        d = squared_distances(X[start : start + _CHUNK], anchors)
        nearest = np.partition(d, rank, axis=1)[:, rank]
        total += float(np.sqrt(np.maximum(nearest, 0.0)).sum())
    sigma = total / X.shape[0]
    return sigma if sigma > 0 else 1.0


def rbf_features(X: np.ndarray, anchors: np.ndarray, sigma: float) -> np.ndarray:
    """RBF kernel map ``exp(-||x - a||^2 / (2 sigma^2))`` on the anchors, in row chunks.

    >>> rbf_features(np.zeros((1, 2)), np.zeros((3, 2)), 1.0).tolist()
    [[1.0, 1.0, 1.0]]
    """
    out = np.empty((X.shape[0], anchors.shape[0]))
    for start in range(0, X.shape[0], _CHUNK):
        d = squared_distances(X[start : start + _CHUNK], anchors)
        out[start : start + _CHUNK] = np.exp(-d / (2.0 * sigma * sigma))
    return out


def supervised_inputs(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Checked features (at least 2 rows) and a 0/1 label matrix (one-hot for class labels).

    >>> X, Y = supervised_inputs([[0.0], [1.0]], [3, 5])
    >>> Y.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    X = check_features(X, min_samples=2)
    return X, labels_to_onehot(check_labels(y, X.shape[0]))


def normalized_labels(Y: np.ndarray) -> np.ndarray:
    """Rows scaled to unit norm, so ``2 Z Z^T - 1`` is the pairwise label similarity.

    For one-hot rows this is exactly +1 (same class) / -1 (different class);
    for multi-label rows it is ``2 cos - 1``, in [-1, 1]. Rows without labels
    stay zero (similarity -1 to everything).

    >>> Z = normalized_labels(np.array([[1.0, 1.0], [1.0, 0.0]]))
    >>> bool(np.allclose((Z * Z).sum(axis=1), 1.0))
    True
    """
    norms = np.linalg.norm(Y, axis=1, keepdims=True)
    return Y / np.where(norms > 0, norms, 1.0)


def check_n_bits_at_most(n_bits: int, limit: int, what: str) -> None:
    """Refuse code lengths a linear method cannot produce, naming ``n_bits``.

    >>> check_n_bits_at_most(8, 16, "n_features")
    """
    if n_bits > limit:
        raise ValueError(f"n_bits must be <= {what} ({limit}) for this method; got n_bits={n_bits}")
