"""Shared linear-algebra helpers for the classic hashers: PCA (ITQ's rotation: :mod:`._itq`).

The mean and the centering run in float64. Past :data:`FLOAT32_ABOVE` samples
the centered data and its scatter are float32 (twice as fast, relative error
near 1e-6); the eigensolvers return float64. :func:`top_directions` takes the
top eigenpairs of the scatter of centered data ``Xc`` by one of two routes,
equal up to round-off:

* :func:`covariance_directions` (``n_samples >= n_features``): the
  ``n_features`` square scatter ``Xc^T Xc``;
* :func:`gram_directions` (``n_samples < n_features``): the ``n_samples``
  square Gram matrix ``Xc Xc^T``, whose eigenvectors ``u`` map back to the
  directions ``Xc^T u / sqrt(lambda)``.

Only the wanted eigenpairs are computed (LAPACK's MRRR driver with an index
range). :func:`top_pca` (PCAH, SH) skips the centered copy for large float32
inputs when the column means are small enough for ``X^T X - n m m^T``
(:func:`scatter_from_moments`); ITQ, whose iterations amplify round-off, keeps
the centered route, whose arithmetic is that of the previous solver.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from hashlearn._validation import check_features

# Re-exported: BDNN imports itq_rotation from here.
from hashlearn.hashers._itq import itq_rotation as itq_rotation

#: Number of samples past which the centered data and its products are float32.
FLOAT32_ABOVE = 10_000
#: Largest ratio, in any column, of the uncentered to the centered second moment
#: for :func:`scatter_from_moments` (it multiplies the float32 round-off).
MAX_MOMENT_RATIO = 16.0
#: Rows of the sample on which :func:`scatter_from_moments` first checks that ratio.
RATIO_SAMPLE = 2048
#: Rows per block in :func:`project`.
PROJECT_BLOCK = 256


def float_features(X: Any, min_samples: int = 2) -> np.ndarray:
    """Checked features, float32 input kept as float32 (no float64 copy), else float64.

    >>> float_features(np.zeros((2, 3), np.float32)).dtype, float_features([[1], [2]]).dtype
    (dtype('float32'), dtype('float64'))
    """
    dtype = np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
    return check_features(X, min_samples=min_samples, dtype=dtype)


def center(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and the centered data, both computed in float64.

    The centered data is stored as float32 past :data:`FLOAT32_ABOVE` rows.

    >>> mean, centered = center(np.array([[0.0, 1.0], [2.0, 5.0]]))
    >>> mean.tolist(), centered.tolist()
    ([1.0, 3.0], [[-1.0, -2.0], [1.0, 2.0]])
    """
    mean = X.mean(axis=0, dtype=np.float64)
    dtype = np.float32 if X.shape[0] > FLOAT32_ABOVE else np.float64
    centered = np.empty(X.shape, dtype=dtype)
    np.subtract(X, mean, out=centered, casting="same_kind")
    return mean, centered


def project(
    X: np.ndarray, directions: np.ndarray, mean: np.ndarray, dtype: Any = np.float64
) -> np.ndarray:
    """``(X - mean) @ directions`` as float64, the centering and the product in ``dtype``.

    Runs on blocks of :data:`PROJECT_BLOCK` rows that stay in cache, so no
    centered copy of ``X`` is made. With float64 it equals ``(X - mean) @
    directions`` computed in one product. A lower ``dtype`` that overflows
    (features beyond about 1e38 in float32) is redone in float64.

    >>> X = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    >>> project(X, np.array([[1.0], [1.0]]), np.array([2.0, 4.0])).ravel().tolist()
    [-3.0, 3.0]
    """
    out = np.empty((X.shape[0], directions.shape[1]))
    weights, shift = directions.astype(dtype), mean.astype(dtype)
    buffer = np.empty((PROJECT_BLOCK, X.shape[1]), dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], PROJECT_BLOCK):
            rows = X[start : start + PROJECT_BLOCK]
            centered = np.subtract(
                rows, shift, out=buffer[: len(rows)], dtype=dtype, casting="same_kind"
            )
            out[start : start + len(rows)] = centered @ weights
    if np.dtype(dtype) != np.float64 and not np.isfinite(out).all():
        return project(X, directions, mean)
    return out


def top_pca(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, top principal directions (n_features, n_components) and their variances.

    Directions are sorted by decreasing variance, each with its largest entry
    positive. Float32 data with more than :data:`FLOAT32_ABOVE` rows and at
    least as many rows as features goes through :func:`scatter_from_moments`
    and a float32 eigensolver (directions then orthonormalised in float64)
    where it can; otherwise :func:`center` and :func:`top_directions`.

    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> mean, W, var = top_pca(X, 2)
    >>> W.shape, bool(var[0] >= var[1])
    ((4, 2), True)
    """
    n_samples, n_features = X.shape
    if X.dtype == np.float32 and n_samples > FLOAT32_ABOVE and n_samples >= n_features:
        check_n_components(n_components, n_features)
        mean = X.mean(axis=0, dtype=np.float64)
        scatter = scatter_from_moments(X, mean)
        if scatter is not None:
            values, vectors = top_eigenpairs(scatter.astype(np.float32), n_components)
            directions = orthonormal_completion(vectors, n_components)  # float64-orthonormal
            return mean, deterministic_signs(directions), values / (n_samples - 1)
    mean, centered = center(X)
    directions, variances = top_directions(centered, n_components)
    return mean, directions, variances


def scatter_from_moments(X: np.ndarray, mean: np.ndarray) -> np.ndarray | None:
    """The scatter ``X^T X - n m m^T`` (float64) without a centered copy, or None if unsafe.

    The subtraction multiplies the relative round-off of ``X^T X`` by the ratio
    of uncentered to centered second moments. None (before the product when a
    sample of :data:`RATIO_SAMPLE` rows already shows it) where that ratio
    exceeds :data:`MAX_MOMENT_RATIO` in a column, e.g. a constant non-zero column.

    >>> X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 2.0]], np.float32)
    >>> scatter_from_moments(X, X.mean(axis=0, dtype=np.float64)).tolist()
    [[8.0, 2.0], [2.0, 2.0]]
    >>> scatter_from_moments(X + 100, X.mean(axis=0, dtype=np.float64) + 100) is None
    True
    """
    sample = X[:: max(1, X.shape[0] // RATIO_SAMPLE)].astype(np.float64)
    if not moments_are_safe(np.square(sample).sum(axis=0), sample.var(axis=0) * len(sample)):
        return None
    moments = (X.T @ X).astype(np.float64)
    scatter = moments - X.shape[0] * np.outer(mean, mean)
    return scatter if moments_are_safe(np.diag(moments), np.diag(scatter)) else None


def moments_are_safe(uncentered: np.ndarray, centered: np.ndarray) -> bool:
    """Whether ``uncentered <= MAX_MOMENT_RATIO * centered`` in every non-zero column.

    >>> moments_are_safe(np.array([0.0, 2.0]), np.array([0.0, 1.0]))
    True
    """
    nonzero = uncentered > 0
    return bool(np.all(uncentered[nonzero] <= MAX_MOMENT_RATIO * centered[nonzero]))


def check_n_components(n_components: int, n_features: int) -> None:
    """Raise a ValueError naming ``n_components`` unless it is in ``1..n_features``.

    >>> check_n_components(5, 4)
    Traceback (most recent call last):
    ValueError: n_components must be between 1 and n_features=4, got 5
    """
    if not 1 <= n_components <= n_features:
        raise ValueError(
            f"n_components must be between 1 and n_features={n_features}, got {n_components}"
        )


def top_directions(centered: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Top principal directions (float64) of centered data and their variances, decreasing.

    Uses the Gram route when there are fewer samples than features, else the
    covariance route. Each direction's largest entry is positive.

    >>> W, var = top_directions(np.array([[-1.0, 0.0], [1.0, 0.0]]), 2)
    >>> bool((W == np.eye(2)).all()), var.tolist()
    (True, [2.0, 0.0])
    """
    n_samples, n_features = centered.shape
    check_n_components(n_components, n_features)
    route = gram_directions if n_samples < n_features else covariance_directions
    directions, scatter = route(centered, n_components)
    return deterministic_signs(directions), scatter / max(n_samples - 1, 1)


def covariance_directions(centered: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Top eigenvectors and eigenvalues of the scatter ``Xc^T Xc`` (float64, decreasing).

    >>> W, values = covariance_directions(np.array([[-1.0, 0.5], [1.0, -0.5]]), 1)
    >>> np.round(np.abs(W), 3).tolist(), np.round(values, 3).tolist()
    ([[0.894], [0.447]], [2.5])
    """
    values, vectors = top_eigenpairs((centered.T @ centered).astype(np.float64), n_components)
    return vectors, values


def gram_directions(centered: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Top eigenpairs of ``Xc^T Xc`` from the Gram matrix ``Xc Xc^T`` (float64, decreasing).

    An eigenvector ``u`` of the Gram matrix with eigenvalue ``lambda > 0`` maps
    to the unit direction ``Xc^T u / sqrt(lambda)``. Eigenvalues at round-off
    level are zero: past the numerical rank, the directions complete an
    orthonormal basis (any unit vector orthogonal to the data is an
    eigenvector of eigenvalue 0) and their eigenvalues are 0.

    >>> W, values = gram_directions(np.array([[-1.0, 0.5, 0.0], [1.0, -0.5, 0.0]]), 2)
    >>> np.round(np.abs(W[:, 0]), 3).tolist(), np.round(values, 3).tolist()
    ([0.894, 0.447, 0.0], [2.5, 0.0])
    """
    n_samples = centered.shape[0]
    gram = (centered @ centered.T).astype(np.float64)
    values, vectors = top_eigenpairs(gram, min(n_components, n_samples))
    tolerance = values[0] * n_samples * np.finfo(centered.dtype).eps
    rank = int(np.count_nonzero(values > tolerance))
    mapped = centered.T @ vectors[:, :rank].astype(centered.dtype)
    directions = orthonormal_completion(mapped / np.sqrt(values[:rank]), n_components)
    return directions, np.concatenate([values[:rank], np.zeros(n_components - rank)])


def top_eigenpairs(symmetric: np.ndarray, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_pairs`` largest eigenvalues (decreasing, at least 0) and eigenvectors, float64.

    The solver runs in the dtype of ``symmetric``.

    >>> values, vectors = top_eigenpairs(np.diag([1.0, 3.0, 2.0]), 2)
    >>> values.tolist(), np.abs(vectors).tolist()
    ([3.0, 2.0], [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    """
    size = symmetric.shape[0]
    values, vectors = scipy.linalg.eigh(
        symmetric,
        subset_by_index=(size - n_pairs, size - 1),
        driver="evr",
        check_finite=False,
    )
    values = np.maximum(values[::-1].astype(np.float64), 0.0)
    return values, vectors[:, ::-1].astype(np.float64)


def orthonormal_completion(columns: np.ndarray, n_columns: int) -> np.ndarray:
    """Orthonormalised ``columns`` (Gram-Schmidt order), completed to ``n_columns`` columns.

    The added columns orthonormalise a fixed-seed Gaussian draw projected away
    from ``columns`` (deterministic; any completion is valid where it is used:
    eigenvectors of eigenvalue 0).

    >>> Q = orthonormal_completion(np.array([[2.0], [0.0], [0.0]]), 2)
    >>> bool(np.allclose(Q.T @ Q, np.eye(2)) and np.allclose(np.abs(Q[:, 0]), [1, 0, 0]))
    True
    """
    basis = np.linalg.qr(np.asarray(columns, dtype=np.float64))[0]
    missing = n_columns - basis.shape[1]
    if missing == 0:
        return basis
    draw = np.random.default_rng(0).normal(size=(basis.shape[0], missing))
    for _ in range(2):  # twice, for orthogonality to round-off
        draw -= basis @ (basis.T @ draw)
    return np.hstack([basis, np.linalg.qr(draw)[0]])


def deterministic_signs(directions: np.ndarray) -> np.ndarray:
    """Flip each column so that its entry of largest magnitude (first one on ties) is positive.

    >>> deterministic_signs(np.array([[0.6, 0.1], [-0.8, 0.2]])).tolist()
    [[-0.6, 0.1], [0.8, 0.2]]
    """
    largest = directions[np.abs(directions).argmax(axis=0), np.arange(directions.shape[1])]
    return directions * np.where(largest < 0, -1.0, 1.0)
