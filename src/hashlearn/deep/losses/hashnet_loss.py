"""HashNet's weighted pairwise likelihood with an adaptive sigmoid."""

from __future__ import annotations

import torch

from hashlearn.deep.losses._pairs import jaccard, squared_cosine
from hashlearn.deep.losses.base import PairLoss, check_choice

WEIGHTINGS = ("paper", "caffe", "none")
SIMILARITY_WEIGHTS = ("jaccard", "caffe_cos2", None)


class HashNetLoss(PairLoss):
    """Weighted maximum likelihood of pair similarity, l_ij = log(1+e^x) - s_ij x.

    x_ij = alpha <h_i, h_j>. Each pair has weight w_ij = c_ij * b_ij where

    * b_ij (``weighting``): "paper" = |S|/|S1| for similar and |S|/|S0| for
      dissimilar pairs of this batch (a batch without similar or dissimilar
      pairs just has no such term: no division by zero); "caffe" = ``class_num``
      for similar pairs, 1 otherwise; "none" = 1.
    * c_ij (``similarity_weight``, similar pairs only; dissimilar pairs keep 1):
      "jaccard" = |y_i & y_j| / |y_i | y_j| (paper, multi-label), "caffe_cos2" =
      4 (y_i.y_j)^2/(|y_i|^2|y_j|^2) (the caffe code's gradient factor, here in
      the forward value too), None = 1. With 1-D labels "jaccard" is 1.

    ``forward`` is :class:`~hashlearn.deep.losses.base.PairLoss`'s, with x = alpha <h_i, h_j>.

    Parameters
    ----------
    n_bits : code length: the codes must have n_bits columns (a clear error
        otherwise); also gives the default alpha = 10 / n_bits.
    alpha : sigmoid scale; None -> 10 / n_bits.
    weighting, class_num, similarity_weight : see above.
    self_pairs : keep the i == j pairs when pairs are intra-batch.
    reduction : "mean" (weighted sum / number of pairs; for "caffe" / (class_num |S1| + |S0|)
        as the caffe code), "sum", or "none" (per batch row sums, shape (n,)).

    Examples
    --------
    >>> loss = HashNetLoss(n_bits=4, alpha=0.25)
    >>> h = torch.tensor([[1., 1, 1, 1], [1, 1, 1, 1], [-1, -1, -1, -1]])
    >>> round(loss(h, torch.tensor([0, 0, 1])).item(), 4)
    0.6265
    """

    def __init__(
        self,
        n_bits: int,
        alpha: float | None = None,
        weighting: str = "paper",
        class_num: float = 1.0,
        similarity_weight: str | None = "jaccard",
        self_pairs: bool = False,
        reduction: str = "mean",
    ) -> None:
        if int(n_bits) < 1:
            raise ValueError(f"n_bits must be >= 1, got {n_bits}")
        alpha = 10.0 / int(n_bits) if alpha is None else float(alpha)
        super().__init__(alpha, self_pairs, reduction)
        check_choice(weighting, "weighting", WEIGHTINGS)
        check_choice(similarity_weight, "similarity_weight", SIMILARITY_WEIGHTS)
        self.n_bits = int(n_bits)
        self.weighting, self.class_num = weighting, float(class_num)
        self.similarity_weight = similarity_weight

    @property
    def alpha(self) -> float:
        """The sigmoid scale (``inner_scale`` of the pair likelihood)."""
        return self.inner_scale

    def check_codes(self, codes: torch.Tensor) -> None:
        if codes.shape[1] != self.n_bits:
            raise ValueError(
                f"codes have {codes.shape[1]} bits (columns) but this HashNetLoss was built "
                f"with n_bits={self.n_bits}; build it with n_bits={codes.shape[1]} or feed "
                f"{self.n_bits}-bit codes"
            )

    def weigh_pairs(
        self, s: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor, ref_labels: torch.Tensor
    ) -> torch.Tensor:
        c = self._label_weight(labels, ref_labels, s).to(s.dtype)
        return self.pair_weights(s, c, mask)

    def pair_weights(self, s: torch.Tensor, c: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """w_ij (zero outside ``mask``) for similarity ``s`` and label weight ``c``."""
        if self.weighting == "paper":
            n = mask.sum()
            n1 = (s * mask).sum()
            balance = s * n / n1.clamp(min=1) + (1 - s) * n / (n - n1).clamp(min=1)
        elif self.weighting == "caffe":
            balance = s * self.class_num + (1 - s)
        else:
            balance = torch.ones_like(s)
        return balance * (s * c + (1 - s)) * mask

    def pair_count(self, s: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The number of pairs; for "caffe" class_num |S1| + |S0| (the caffe code's)."""
        if self.weighting != "caffe":
            return super().pair_count(s, mask)
        n1 = (s * mask).sum()
        return (self.class_num * n1 + mask.sum() - n1).clamp(min=1)

    def _label_weight(
        self, labels: torch.Tensor, ref_labels: torch.Tensor, s: torch.Tensor
    ) -> torch.Tensor:
        if self.similarity_weight == "jaccard":
            return jaccard(labels, ref_labels)
        if self.similarity_weight == "caffe_cos2":
            return 4.0 * squared_cosine(labels, ref_labels)
        return torch.ones_like(s)
