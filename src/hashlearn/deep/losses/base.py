"""The shared ``forward`` of the pairwise likelihood losses (HashNet, DHN).

:class:`PairLoss` is a template: its ``forward`` checks the inputs, builds the
pair similarity and the mask of the pairs that count, weighs the pairwise
negative log-likelihood of ``inner_scale`` <h_i, h_j> and reduces it. A
subclass writes only its own terms: :meth:`PairLoss.weigh_pairs` (HashNet's
balance and label weights), :meth:`PairLoss.pair_count` (what "mean" divides
the pair term by), :meth:`PairLoss.code_penalty` (DHN's quantization term)
and :meth:`PairLoss.check_codes`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from hashlearn.deep.losses._pairs import check_pair_inputs, pair_mask, pairwise_nll, similarity

REDUCTIONS = ("mean", "sum", "none")
Reducer = Callable[[torch.Tensor], torch.Tensor]


def check_choice(value: object, name: str, allowed: tuple[object, ...]) -> None:
    """A clear error naming ``name`` when ``value`` is not one of ``allowed``.

    >>> check_choice("sum", "reduction", REDUCTIONS)
    >>> check_choice("max", "reduction", REDUCTIONS)
    Traceback (most recent call last):
    ...
    ValueError: reduction must be one of ('mean', 'sum', 'none'), got 'max'
    """
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


class PairLoss(nn.Module):
    """Weighted pairwise likelihood l_ij = log(1 + e^x) - s_ij x, x = inner_scale <h_i, h_j>.

    ``forward(codes, labels, reference_codes=None, reference_labels=None)`` pairs
    each batch row with each reference row (a memory bank or codes gathered from
    other ranks) or, without a reference, with the other rows of the batch
    (the i == j pairs too with ``self_pairs``). ``reduction``: "mean" (pair term
    / :meth:`pair_count`, plus the mean penalty), "sum", or "none" (per batch
    row sums, shape (n,)).

    Examples
    --------
    >>> loss = PairLoss(inner_scale=0.5)
    >>> round(loss(torch.ones(2, 4), torch.tensor([0, 1])).item(), 4)
    2.1269
    """

    def __init__(
        self, inner_scale: float = 1.0, self_pairs: bool = False, reduction: str = "mean"
    ) -> None:
        super().__init__()
        check_choice(reduction, "reduction", REDUCTIONS)
        self.inner_scale, self.self_pairs = float(inner_scale), bool(self_pairs)
        self.reduction = reduction

    def check_codes(self, codes: torch.Tensor) -> None:
        """Refuse codes this loss cannot score (beyond the shape checks of every pair loss)."""

    def weigh_pairs(
        self, s: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor, ref_labels: torch.Tensor
    ) -> torch.Tensor:
        """w_ij of each pair (zero outside ``mask``); here every counted pair weighs 1."""
        return mask

    def pair_count(self, s: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """What "mean" divides the summed pair term by: the number of pairs (at least 1)."""
        return mask.sum().clamp(min=1)

    def code_penalty(self, codes: torch.Tensor, reduce: Reducer) -> torch.Tensor | None:
        """A penalty on the codes, reduced by ``reduce`` as ``reduction`` says; None: no such term.

        ``reduce`` takes per-entry values (the shape of ``codes``) to per-row sums,
        their sum or their mean.
        """
        return None

    def forward(
        self,
        codes: torch.Tensor,
        labels: torch.Tensor,
        reference_codes: torch.Tensor | None = None,
        reference_labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        ref, ref_labels, intra = check_pair_inputs(codes, labels, reference_codes, reference_labels)
        self.check_codes(codes)
        s = similarity(labels, ref_labels).to(codes.dtype)
        mask = pair_mask(s.shape[0], s.shape[1], intra, self.self_pairs, s.device).to(s.dtype)
        weights = self.weigh_pairs(s, mask, labels, ref_labels)
        pairs = weights * pairwise_nll(self.inner_scale * codes @ ref.T, s)
        total = self._reduce_pairs(pairs, s, mask)
        penalty = self.code_penalty(codes, self._reduce_entries)
        return total if penalty is None else total + penalty

    def _reduce_pairs(
        self, pairs: torch.Tensor, s: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        if self.reduction == "none":
            return pairs.sum(1)
        if self.reduction == "sum":
            return pairs.sum()
        return pairs.sum() / self.pair_count(s, mask)

    def _reduce_entries(self, penalty: torch.Tensor) -> torch.Tensor:
        if self.reduction == "none":
            return penalty.sum(1)
        if self.reduction == "sum":
            return penalty.sum()
        return penalty.mean()
