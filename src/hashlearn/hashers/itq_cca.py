"""ITQ-CCA: supervised ITQ on a CCA embedding (Gong and Lazebnik, CVPR 2011, section 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._kernel import check_n_bits_at_most, supervised_inputs
from hashlearn.hashers._pca import itq_rotation


def cca_directions(
    X: np.ndarray, Y: np.ndarray, n_components: int, reg: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, CCA directions of ``X`` against ``Y`` and their canonical correlations.

    Solves ``Cxy Cyy^-1 Cyx w = r^2 (Cxx + reg I) w`` (``Cyy`` regularised the
    same way), directions sorted by decreasing correlation ``r``.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)); Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    >>> _, W, r = cca_directions(X, Y, 1, 1e-4)
    >>> bool(abs(W[0, 0]) > 0.9 * np.abs(W).max() and r[0] > 0.5)
    True
    """
    mean = X.mean(axis=0)
    Xc, Yc = X - mean, Y - Y.mean(axis=0)
    n = max(X.shape[0] - 1, 1)
    cxx = Xc.T @ Xc / n + reg * np.eye(X.shape[1])
    cyy = Yc.T @ Yc / n + reg * np.eye(Y.shape[1])
    cxy = Xc.T @ Yc / n
    values, vectors = scipy.linalg.eigh(cxy @ np.linalg.solve(cyy, cxy.T), cxx)
    order = np.argsort(values)[::-1][:n_components]
    return mean, vectors[:, order], np.sqrt(np.clip(values[order], 0.0, None))


@register("itq-cca")
class ITQCCA(BaseHasher):
    """CCA projection of the features against the label matrix, then the ITQ rotation.

    As in the paper's code, the top ``n_bits`` canonical directions are scaled
    by their canonical correlations before ITQ, so directions carrying no label
    information (beyond ``n_classes - 1``) weigh little.

    Parameters
    ----------
    n_bits : code length; at most the number of features.
    reg : ridge added to both covariance matrices (paper's code: 1e-4).
    n_iter : ITQ iterations (paper: 50).
    random_state : seed of the random initial rotation.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(100, 8)), rng.integers(0, 3, 100)
    >>> ITQCCA(n_bits=4, random_state=0).fit(X, y).encode(X[:2]).shape
    (2, 1)
    """

    supervised = True

    def __init__(
        self, n_bits: int = 32, reg: float = 1e-4, n_iter: int = 50, random_state: Any = None
    ):
        self.n_bits = n_bits
        self.reg = reg
        self.n_iter = n_iter
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn the CCA directions from ``(X, y)`` and the rotation on the embedding."""
        n_bits = self._validate_n_bits()
        X, Y = supervised_inputs(X, y)
        check_n_bits_at_most(n_bits, X.shape[1], "n_features")
        if not self.reg > 0:
            raise ValueError(f"reg must be > 0, got {self.reg}")
        self.n_features_in_ = X.shape[1]
        self.mean_, W, corr = cca_directions(X, Y, n_bits, float(self.reg))
        W = W * corr
        rng = np.random.default_rng(self.random_state)
        self.projection_ = W @ itq_rotation((X - self.mean_) @ W, self.n_iter, rng)

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.projection_
