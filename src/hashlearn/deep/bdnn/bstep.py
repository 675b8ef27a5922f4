"""B-steps: the binary codes with the network fixed.

Codes are +-1 with sign(0) = +1 everywhere (the authors' test-time rule
H >= 0 -> bit 1), so a zero never leaks into a code.
"""

from __future__ import annotations

import torch


def sign_pm(H: torch.Tensor) -> torch.Tensor:
    """+1 where H >= 0, else -1 (sign(0) = +1); SH-BDNN's closed-form B-step.

    >>> sign_pm(torch.tensor([-0.5, 0.0, 2.0])).tolist()
    [-1.0, 1.0, 1.0]
    """
    return torch.where(H >= 0, 1.0, -1.0).to(H.dtype)


def dcc_objective(
    B: torch.Tensor, H: torch.Tensor, Y: torch.Tensor, W: torch.Tensor, lambda2: float
) -> torch.Tensor:
    """Per-sample ||y - b W||^2 + lambda2 ||b - h||^2 (rows of B, H, Y).

    >>> B = torch.ones(1, 2); W = torch.eye(2)
    >>> dcc_objective(B, B, B, W, 0.5).tolist()
    [0.0]
    """
    return ((Y - B @ W) ** 2).sum(1) + lambda2 * ((B - H) ** 2).sum(1)


def dcc_bstep(
    H: torch.Tensor, Y: torch.Tensor, W: torch.Tensor, lambda2: float, n_sweeps: int = 10
) -> torch.Tensor:
    """UH-BDNN B-step by discrete cyclic coordinate descent (the authors' ``learn_B.m``).

    Minimises ||Y - B W||^2 + lambda2 ||B - H||^2 over B in {-1, +1}^{m x L},
    where Y = X - 1 c4^T (m x D) and W = W4^T (L x D). With Q = lambda2 H + Y W^T
    and G = W W^T, bit k is set to sign(Q_k - sum_{j != k} B_j G_jk), bit after
    bit, for ``n_sweeps`` sweeps; B starts at all zeros (not warm-started), so
    bits not yet visited in the first sweep contribute nothing. Each update is an
    exact minimisation over one bit, so after the first sweep the objective
    never increases, and the result is a local optimum over single-bit flips.

    >>> H = torch.tensor([[0.3, -2.0]]); W = torch.zeros(2, 3)
    >>> dcc_bstep(H, torch.zeros(1, 3), W, 1.0).tolist()
    [[1.0, -1.0]]
    """
    Q = lambda2 * H + Y @ W.T
    G = W @ W.T
    B = torch.zeros_like(H)
    for _ in range(n_sweeps):
        for k in range(H.shape[1]):
            others = B @ G[:, k] - B[:, k] * G[k, k]
            B[:, k] = sign_pm(Q[:, k] - others)
    return B
