"""Pairwise label similarity S (m x m, entries in [-1, 1]) without storing it.

SH-BDNN's term ||H H^T / L - S||^2 only needs <H H^T, S> (differentiable in H)
and the constant ||S||^2. Three forms, none of which builds S:

* :func:`class_similarity`: S = 2 Y Y^T - 1 1^T for one-hot Y (+1 same class,
  -1 otherwise), exactly the authors' S; low rank, O(m L c) per evaluation.
* :func:`cosine_similarity`: multi-label S = 2 Yn Yn^T - 1 1^T with Yn the
  L2-normalised label rows (S_ij = 2 cos(y_i, y_j) - 1, so +1 for equal label
  sets, -1 for disjoint ones); low rank, the cheap default for multi-labels.
* :class:`ChunkedSimilarity`: multi-label S_ij = +1 when i and j share a label
  (the retrieval relevance), else -1. This S is not low rank, so <H H^T, S> and
  its gradient 2 S H are computed exactly in row chunks: O(m^2 (L + c)) time,
  O(chunk x m) memory.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch


class Similarity(Protocol):
    """What the cost needs from S."""

    def inner(self, H: torch.Tensor) -> torch.Tensor: ...  # <H H^T, S>

    def sq_norm(self) -> torch.Tensor: ...  # ||S||^2

    def subset(self, index: torch.Tensor) -> Similarity: ...  # S restricted to a batch


class LowRankSimilarity:
    """S = P diag(w) P^T with P (m x r).

    >>> S = LowRankSimilarity(torch.ones(3, 1), torch.tensor([1.0]))
    >>> float(S.inner(torch.ones(3, 2))), float(S.sq_norm())
    (18.0, 9.0)
    """

    def __init__(self, P: torch.Tensor, w: torch.Tensor):
        self.P, self.w = P, w.to(P.dtype)
        gram = P.T @ P
        self._sq_norm = (gram * gram * torch.outer(self.w, self.w)).sum()

    def inner(self, H: torch.Tensor) -> torch.Tensor:
        proj = self.P.T.to(H.dtype) @ H
        return (proj * proj * self.w[:, None].to(H.dtype)).sum()

    def sq_norm(self) -> torch.Tensor:
        return self._sq_norm

    def subset(self, index: torch.Tensor) -> LowRankSimilarity:
        return LowRankSimilarity(self.P[index], self.w)


def _with_ones(Y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    P = torch.cat([Y, torch.ones(Y.shape[0], 1, dtype=Y.dtype, device=Y.device)], dim=1)
    w = torch.full((P.shape[1],), 2.0, dtype=Y.dtype, device=Y.device)
    w[-1] = -1.0
    return P, w


def class_similarity(y: torch.Tensor, dtype: torch.dtype) -> LowRankSimilarity:
    """S_ij = +1 if y_i == y_j else -1, for 1-D integer class labels.

    >>> S = class_similarity(torch.tensor([0, 0, 1]), torch.float64)
    >>> float(S.sq_norm())
    9.0
    """
    onehot = torch.nn.functional.one_hot(torch.unique(y, return_inverse=True)[1])
    return LowRankSimilarity(*_with_ones(onehot.to(dtype)))


def cosine_similarity(Y: torch.Tensor, dtype: torch.dtype) -> LowRankSimilarity:
    """S_ij = 2 cos(y_i, y_j) - 1 for a 0/1 label matrix (all-zero rows: cos = 0).

    >>> S = cosine_similarity(torch.tensor([[1, 1], [1, 0]]), torch.float64)
    >>> round(float(S.inner(torch.ones(2, 1, dtype=torch.float64))), 4)  # sum of S
    2.8284
    """
    Y = Y.to(dtype)
    norms = Y.norm(dim=1, keepdim=True)
    return LowRankSimilarity(*_with_ones(Y / torch.where(norms > 0, norms, 1.0)))


class _ChunkedInner(torch.autograd.Function):
    """<H H^T, S> with S_ij = 2 [y_i . y_j > 0] - 1, gradient 2 S H, in row chunks."""

    @staticmethod
    def forward(ctx: Any, H: torch.Tensor, Y: torch.Tensor, chunk: int) -> torch.Tensor:
        SH = _chunked_product(H, Y, chunk)
        ctx.save_for_backward(SH)
        return (SH * H).sum()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (SH,) = ctx.saved_tensors
        return 2.0 * grad * SH, None, None


def _chunked_product(H: torch.Tensor, Y: torch.Tensor, chunk: int) -> torch.Tensor:
    """S H computed chunk of rows by chunk of rows."""
    out = torch.empty_like(H)
    col_sum = H.sum(0)
    for start in range(0, H.shape[0], chunk):
        share = (Y[start : start + chunk] @ Y.T > 0).to(H.dtype)
        out[start : start + chunk] = 2.0 * (share @ H) - col_sum
    return out


class ChunkedSimilarity:
    """Exact multi-label S (+1 when two items share a label), computed in chunks.

    >>> S = ChunkedSimilarity(torch.tensor([[1, 0], [1, 1], [0, 1]]))
    >>> float(S.inner(torch.ones(3, 1)))  # sum of S: 1+1-1 +1+1+1 -1+1+1
    5.0
    """

    def __init__(self, Y: torch.Tensor, chunk: int = 2048):
        self.Y, self.chunk = Y, chunk

    def inner(self, H: torch.Tensor) -> torch.Tensor:
        return _ChunkedInner.apply(H, self.Y.to(H.dtype), self.chunk)

    def sq_norm(self) -> torch.Tensor:
        return torch.tensor(float(self.Y.shape[0]) ** 2, dtype=torch.float64)

    def subset(self, index: torch.Tensor) -> ChunkedSimilarity:
        return ChunkedSimilarity(self.Y[index], self.chunk)


def make_similarity(y: torch.Tensor, kind: str, dtype: torch.dtype) -> Similarity:
    """Pick the form: class labels always use :func:`class_similarity`; a 0/1 label
    matrix uses ``kind`` ("cosine" or "exact"; "auto" means "cosine").

    >>> type(make_similarity(torch.tensor([[1, 0]]), "exact", torch.float32)).__name__
    'ChunkedSimilarity'
    """
    if kind not in ("auto", "cosine", "exact"):
        raise ValueError(f"similarity must be 'auto', 'cosine' or 'exact', got {kind!r}")
    if y.ndim == 1:
        return class_similarity(y, dtype)
    return ChunkedSimilarity(y) if kind == "exact" else cosine_similarity(y, dtype)
