"""Pair similarity between a batch and a reference set.

Labels are 1-D class ids or 2-D 0/1 multi-label rows; two items are similar
(s_ij = 1) when they share at least one label. All helpers return float
tensors of shape (n_batch, n_reference).
"""

from __future__ import annotations

import torch
from torch.nn.functional import softplus


def _as_matrix(labels: torch.Tensor, name: str) -> torch.Tensor:
    if labels.dim() == 2:
        return labels.double()
    raise ValueError(f"{name} must be 1-D class ids or a 2-D 0/1 multi-label matrix")


def check_pair_inputs(
    codes: torch.Tensor,
    labels: torch.Tensor,
    ref_codes: torch.Tensor | None,
    ref_labels: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Return (reference codes, reference labels, intra) after checking shapes."""
    if codes.dim() != 2:
        raise ValueError(f"codes must be 2-D (n, n_bits), got shape {tuple(codes.shape)}")
    if labels.shape[0] != codes.shape[0] or labels.dim() not in (1, 2):
        raise ValueError(
            f"labels must have {codes.shape[0]} rows (1-D or 2-D), got shape {tuple(labels.shape)}"
        )
    if (ref_codes is None) != (ref_labels is None):
        raise ValueError("reference_codes and reference_labels must be given together")
    if ref_codes is None or ref_labels is None:
        return codes, labels, True
    if ref_codes.dim() != 2 or ref_codes.shape[1] != codes.shape[1]:
        raise ValueError(
            f"reference_codes must be (m, {codes.shape[1]}), got shape {tuple(ref_codes.shape)}"
        )
    if ref_labels.shape[0] != ref_codes.shape[0] or ref_labels.dim() != labels.dim():
        raise ValueError(
            "reference_labels must have one row per reference code and "
            "the same form (1-D or 2-D) as labels"
        )
    return ref_codes, ref_labels, False


def similarity(labels: torch.Tensor, ref_labels: torch.Tensor) -> torch.Tensor:
    """s_ij = 1 if the two items share a label, else 0.

    >>> similarity(torch.tensor([0, 1]), torch.tensor([1, 1, 0])).tolist()
    [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    """
    if labels.dim() == 1:
        return (labels[:, None] == ref_labels[None, :]).float()
    inter = _as_matrix(labels, "labels") @ _as_matrix(ref_labels, "reference_labels").T
    return (inter > 0).float()


def jaccard(labels: torch.Tensor, ref_labels: torch.Tensor) -> torch.Tensor:
    """|y_i & y_j| / |y_i | y_j| (the paper's c_ij); equals s_ij for 1-D labels.

    >>> round(float(jaccard(torch.tensor([[1, 1, 0]]), torch.tensor([[1, 0, 1]]))[0, 0]), 4)
    0.3333
    """
    if labels.dim() == 1:
        return similarity(labels, ref_labels)
    a, b = _as_matrix(labels, "labels"), _as_matrix(ref_labels, "reference_labels")
    inter = a @ b.T
    union = a.sum(1, keepdim=True) + b.sum(1)[None, :] - inter
    return inter / union.clamp(min=1)


def squared_cosine(labels: torch.Tensor, ref_labels: torch.Tensor) -> torch.Tensor:
    """(y_i . y_j)^2 / (|y_i|^2 |y_j|^2), an all-zero row counting as norm 1 (caffe).

    >>> squared_cosine(torch.tensor([[1, 1]]), torch.tensor([[1, 0]])).tolist()
    [[0.5]]
    """
    if labels.dim() == 1:
        return similarity(labels, ref_labels)
    a, b = _as_matrix(labels, "labels"), _as_matrix(ref_labels, "reference_labels")
    na = (a * a).sum(1).clamp(min=1)
    nb = (b * b).sum(1).clamp(min=1)
    return (a @ b.T) ** 2 / (na[:, None] * nb[None, :])


def pair_mask(n: int, m: int, intra: bool, self_pairs: bool, device: torch.device) -> torch.Tensor:
    """1 for the pairs that count: all, except i == j in intra-batch mode without self pairs."""
    mask = torch.ones(n, m, device=device)
    if intra and not self_pairs:
        mask.fill_diagonal_(0.0)
    return mask


def pairwise_nll(inner: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """-log p(s | x) = log(1 + e^x) - s x, with a stable softplus (no overflow)."""
    return softplus(inner) - s * inner
