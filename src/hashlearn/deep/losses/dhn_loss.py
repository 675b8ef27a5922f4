"""DHN: pairwise cross-entropy plus a log-cosh quantization loss."""

from __future__ import annotations

import math

import torch
from torch import nn

from hashlearn.deep.losses.base import PairLoss, Reducer, check_choice

QUANTIZATIONS = ("logcosh", "squared")


def log_cosh(x: torch.Tensor) -> torch.Tensor:
    """log(cosh(x)) without overflow: |x| + log(1 + e^(-2|x|)) - log 2.

    >>> round(log_cosh(torch.tensor(100.0)).item(), 4)
    99.3069
    """
    a = x.abs()
    return a + nn.functional.softplus(-2.0 * a) - math.log(2.0)


class DHNLoss(PairLoss):
    """L + lambda Q with L = sum log(1 + e^(x_ij)) - s_ij x_ij, x_ij = scale <h_i, h_j>.

    Q = sum_i sum_k log cosh(|h_ik| - 1) (the paper's smooth bimodal-Laplacian
    prior) or, with ``quantization="squared"``, (|h_ik| - 1)^2 (TF code).

    Parameters
    ----------
    quantization_weight : lambda (0.1 by default, on the mean forms; the paper
        cross-validates it). 0 disables the quantization term.
    quantization : "logcosh" (paper) or "squared".
    scale : inner-product scale, 1.0 (DHN paper) or 0.5 (DPSH / DeepHash-pytorch).
    self_pairs : keep i == j pairs when pairs are intra-batch.
    reduction : "mean" (pair term averaged over pairs + lambda * quantization
        averaged over the n x n_bits entries), "sum" (both summed), or "none"
        (per batch row: sum over its pairs + lambda * sum over its bits).

    Examples
    --------
    >>> h = torch.tensor([[1.0, -1.0], [1.0, -1.0]])
    >>> round(DHNLoss()(h, torch.tensor([3, 3])).item(), 4)
    0.1269
    """

    def __init__(
        self,
        quantization_weight: float = 0.1,
        quantization: str = "logcosh",
        scale: float = 1.0,
        self_pairs: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(scale, self_pairs, reduction)
        check_choice(quantization, "quantization", QUANTIZATIONS)
        if quantization_weight < 0:
            raise ValueError(f"quantization_weight must be >= 0, got {quantization_weight}")
        self.quantization_weight, self.quantization = float(quantization_weight), quantization

    @property
    def scale(self) -> float:
        """The inner-product scale (``inner_scale`` of the pair likelihood)."""
        return self.inner_scale

    def quantization_terms(self, codes: torch.Tensor) -> torch.Tensor:
        """Per-entry quantization penalty, shape of ``codes``."""
        gap = codes.abs() - 1.0
        return log_cosh(gap) if self.quantization == "logcosh" else gap * gap

    def code_penalty(self, codes: torch.Tensor, reduce: Reducer) -> torch.Tensor:
        """lambda times the reduced quantization term."""
        return self.quantization_weight * reduce(self.quantization_terms(codes))
