"""The BDNN costs, rows are samples.

With H (m x L) the code layer, B (m x L) the binary codes and X (m x D) the input:

* reconstruction (UH only): (1/2m) ||X - B W4^T - 1 c4^T||^2
* weight decay: (lambda1/2) sum_l ||W_l||^2, weights only (decoder included), biases not
* binary gap: (lambda2/2m) ||H - B||^2
* independence: (lambda3/2) ||H^T H / m - I||^2
* balance: (lambda4/2m) ||1^T H||^2
* similarity (SH only): (lambda5/2m) ||H H^T / L - S||^2, never with S stored: see
  :mod:`hashlearn.deep.bdnn.similarity`.

Default lambdas are the authors' (``runHash.m``): 1e-5, 5e-2, 1e-2, 0.5e-6, 1e-2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch

from hashlearn.deep.bdnn.similarity import Similarity


@dataclass(frozen=True)
class Lambdas:
    """Weights of the cost terms (defaults from the authors' code).

    >>> Lambdas().lambda4
    5e-07
    """

    lambda1: float = 1e-5
    lambda2: float = 5e-2
    lambda3: float = 1e-2
    lambda4: float = 0.5e-6
    lambda5: float = 1e-2


def similarity_term(H: torch.Tensor, sim: Similarity) -> torch.Tensor:
    """||H H^T / L - S||^2 through ||H^T H||^2 / L^2 - (2/L) <H H^T, S> + ||S||^2.

    >>> from hashlearn.deep.bdnn.similarity import class_similarity
    >>> H = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])
    >>> float(similarity_term(H, class_similarity(torch.tensor([0, 1]), torch.float32)))
    0.0
    """
    n_bits = H.shape[1]
    gram = H.T @ H
    return (gram * gram).sum() / n_bits**2 - 2.0 / n_bits * sim.inner(H) + sim.sq_norm()


def _sq(A: torch.Tensor) -> torch.Tensor:
    """Sum of squares accumulated in float64 (float32 sums over m x D entries lose the
    small decreases that L-BFGS's line search must see)."""
    return (A * A).sum(dtype=torch.float64)


@dataclass(frozen=True)
class Reconstruction:
    """UH-BDNN's reconstruction term (1/2m) ||X - B W4^T - 1 c4^T||^2 for fixed X and B.

    The square expands into products of X and B that do not involve the decoder
    (||X||^2, X^T B, B^T B and the column sums), so once they are known an
    evaluation costs O(D L^2) instead of O(m D L) and allocates no m x D
    temporary. A W-step keeps B fixed for hundreds of evaluations and computes
    them once. All products are float64 (rows of X are read in blocks).

    >>> X, B = torch.rand(5, 3), torch.ones(5, 2)
    >>> W4, c4 = torch.rand(3, 2), torch.rand(3)
    >>> direct = ((X - B @ W4.T - c4) ** 2).sum() / 10
    >>> bool(torch.isclose(Reconstruction.of(X, B)(W4, c4), direct.double()))
    True
    """

    m: int
    sq_x: torch.Tensor
    x_b: torch.Tensor
    b_b: torch.Tensor
    x_sum: torch.Tensor
    b_sum: torch.Tensor

    @classmethod
    def of(cls, X: torch.Tensor, B: torch.Tensor, block: int = 8192) -> Reconstruction:
        """The products of ``X`` (m x D) and ``B`` (m x L) that the term needs."""
        B64 = B.double()
        x_b = X.new_zeros((X.shape[1], B.shape[1]), dtype=torch.float64)
        sq_x, x_sum = (
            X.new_zeros((), dtype=torch.float64),
            X.new_zeros(X.shape[1], dtype=torch.float64),
        )
        for start in range(0, X.shape[0], block):
            rows = X[start : start + block].double()
            x_b += rows.T @ B64[start : start + block]
            sq_x += (rows * rows).sum()
            x_sum += rows.sum(0)
        return cls(X.shape[0], sq_x, x_b, B64.T @ B64, x_sum, B64.sum(0))

    def __call__(self, W4: torch.Tensor, c4: torch.Tensor) -> torch.Tensor:
        W, c = W4.double(), c4.double()
        square = (
            self.sq_x
            - 2 * (self.x_b * W).sum()
            - 2 * self.x_sum @ c
            + ((W @ self.b_b) * W).sum()
            + 2 * c @ (W @ self.b_sum)
            + self.m * (c @ c)
        )
        return square / (2 * self.m)


def bdnn_cost(
    H: torch.Tensor,
    B: torch.Tensor,
    weights: Iterable[torch.Tensor],
    lambdas: Lambdas,
    *,
    reconstruction: Reconstruction | None = None,
    decoder: tuple[torch.Tensor, torch.Tensor] | None = None,
    sim: Similarity | None = None,
) -> dict[str, torch.Tensor]:
    """All cost terms and their sum under ``"total"``, accumulated in float64.

    ``weights`` are the weight matrices to decay (not the biases). Give
    ``reconstruction`` (of the same X and B) and ``decoder`` (W4, c4) for UH-BDNN's
    reconstruction term, ``sim`` for SH-BDNN's similarity term.

    >>> H = torch.zeros(4, 2); B = torch.ones(4, 2)
    >>> terms = bdnn_cost(H, B, [], Lambdas())
    >>> round(float(terms["gap"]), 6), round(float(terms["independence"]), 6)
    (0.05, 0.01)
    """
    m, n_bits = H.shape
    H64 = H.double()  # the m-sized reductions below (L x L, c x L results) in float64
    eye = torch.eye(n_bits, dtype=torch.float64, device=H.device)
    terms = {
        "decay": lambdas.lambda1 / 2 * sum((_sq(w) for w in weights), _sq(H.new_zeros(1))),
        "gap": lambdas.lambda2 / (2 * m) * _sq(H - B),
        "independence": lambdas.lambda3 / 2 * _sq(H64.T @ H64 / m - eye),
        "balance": lambdas.lambda4 / (2 * m) * _sq(H64.sum(0)),
    }
    if decoder is not None and reconstruction is not None:
        terms["reconstruction"] = reconstruction(*decoder)
    if sim is not None:
        terms["similarity"] = lambdas.lambda5 / (2 * m) * similarity_term(H64, sim)
    terms["total"] = torch.stack(list(terms.values())).sum()
    return terms
