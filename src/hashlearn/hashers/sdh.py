"""SDH: Supervised Discrete Hashing (Shen, Shen, Liu and Shen, CVPR 2015)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._registry import register
from hashlearn.base import BaseHasher
from hashlearn.hashers._kernel import (
    nearest_anchor_sigma,
    pick_anchors,
    rbf_features,
    supervised_inputs,
)


def ridge(A: np.ndarray, B: np.ndarray, lam: float) -> np.ndarray:
    """``argmin_W ||B - A W||^2 + lam ||W||^2 = (A^T A + lam I)^-1 A^T B``.

    >>> ridge(np.eye(2), np.ones((2, 1)), 1.0).ravel().tolist()
    [0.5, 0.5]
    """
    return np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ B)


def dcc_step(B: np.ndarray, Q: np.ndarray, W: np.ndarray, n_iter: int) -> np.ndarray:
    """Discrete cyclic coordinate descent on ``B`` for ``||Y - B W||^2 + nu ||B - F||^2``.

    With ``Q = Y W^T + nu F``, bit ``k`` is set in closed form to
    ``sign(Q_k - B_rest W_rest v_k)`` where ``v_k`` is row ``k`` of ``W``
    (paper eq. 14); sweeps stop early when no bit changes.

    >>> W = np.eye(2); Q = np.array([[1.0, -2.0]])
    >>> dcc_step(np.ones((1, 2)), Q, W, 3).tolist()
    [[1.0, -1.0]]
    """
    B = B.copy()
    WWt = W @ W.T
    for _ in range(n_iter):
        before = B.copy()
        for k in range(B.shape[1]):
            rest = WWt[:, k].copy()
            rest[k] = 0.0
            B[:, k] = np.where(Q[:, k] - B @ rest >= 0, 1.0, -1.0)
        if np.array_equal(before, B):
            break
    return B


@register("sdh")
class SDH(BaseHasher):
    """RBF anchor features, codes learnt jointly with a linear classifier, discretely.

    Alternates (paper section 3): the classifier ``W`` (ridge, ``lam``),
    the hash projection ``P`` (ridge from the kernel features to ``B``, the
    demo's ``1e-2``), and ``B`` by discrete cyclic coordinate descent.
    Only n x n_anchors and n x n_bits matrices are built, never n x n.

    Parameters
    ----------
    n_bits : code length.
    n_anchors : RBF anchors drawn from the training set (authors' demo: 1000).
    lam : classifier ridge weight (paper: 1).
    nu : weight of the fitting term ``||B - F(X)||^2`` (paper: 1e-5).
    proj_reg : ridge of the hash projection (authors' code: 1e-2).
    n_iter : outer iterations (authors' demo: 5).
    n_dcc_iter : coordinate-descent sweeps per B-step (authors' code: 10).
    sigma : RBF bandwidth; None = mean distance to the nearest anchor (demo).
    random_state : seed of the anchors and of the initial codes.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 8)), rng.integers(0, 3, 200)
    >>> SDH(n_bits=8, n_anchors=50, random_state=0).fit(X, y).encode(X[:2]).shape
    (2, 1)
    """

    supervised = True
    blas_policy = "all"  # products of n_samples x n_anchors, however narrow the input

    def __init__(
        self,
        n_bits: int = 32,
        n_anchors: int = 1000,
        lam: float = 1.0,
        nu: float = 1e-5,
        proj_reg: float = 1e-2,
        n_iter: int = 5,
        n_dcc_iter: int = 10,
        sigma: float | None = None,
        random_state: Any = None,
    ):
        self.n_bits = n_bits
        self.n_anchors = n_anchors
        self.lam = lam
        self.nu = nu
        self.proj_reg = proj_reg
        self.n_iter = n_iter
        self.n_dcc_iter = n_dcc_iter
        self.sigma = sigma
        self.random_state = random_state

    def _learn(self, X: Any, y: Any) -> None:
        """Learn anchors, bandwidth and the projection from ``(X, y)``."""
        n_bits = self._validate_n_bits()
        X, Y = supervised_inputs(X, y)
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.anchors_ = pick_anchors(X, int(self.n_anchors), rng)
        self.sigma_ = float(self.sigma or nearest_anchor_sigma(X, self.anchors_))
        phi = rbf_features(X, self.anchors_, self.sigma_)
        self.phi_mean_ = phi.mean(axis=0)
        phi -= self.phi_mean_
        B = np.where(phi @ rng.normal(size=(phi.shape[1], n_bits)) >= 0, 1.0, -1.0)
        P = ridge(phi, B, self.proj_reg)
        for _ in range(int(self.n_iter)):
            W = ridge(B, Y, self.lam)
            B = dcc_step(B, Y @ W.T + self.nu * (phi @ P), W, int(self.n_dcc_iter))
            P = ridge(phi, B, self.proj_reg)
        self.projection_ = P

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (rbf_features(X, self.anchors_, self.sigma_) - self.phi_mean_) @ self.projection_
