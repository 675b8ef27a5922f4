"""Validation split carved from the training data and the early-stopping score (mAP)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from hashlearn._threads import torch_threads_kept
from hashlearn.codes import binarize, pack_bits
from hashlearn.metrics import mean_average_precision


def split_validation(
    n_samples: int, val_size: float | int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random (train, validation) row indices; ``val_size`` is a fraction or a count.

    >>> tr, va = split_validation(10, 0.2, np.random.default_rng(0))
    >>> len(tr), len(va), sorted(np.concatenate([tr, va]).tolist()) == list(range(10))
    (8, 2, True)
    """
    if isinstance(val_size, bool) or not isinstance(val_size, (int, float, np.number)):
        raise TypeError(f"val_size must be a fraction or a count, got {val_size!r}")
    n_val = round(val_size * n_samples) if 0 < val_size < 1 else int(val_size)
    if not 0 <= n_val <= n_samples - 2:
        raise ValueError(
            f"val_size={val_size} leaves fewer than 2 training samples out of {n_samples}"
        )
    order = rng.permutation(n_samples)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def default_val_size(n_samples: int) -> int:
    """How many of ``n_samples`` training rows a fit carves for validation when
    ``val_size`` is not given: a tenth, at most 1,000.

    >>> default_val_size(1000), default_val_size(50_000)
    (100, 1000)
    """
    return min(1000, round(0.1 * n_samples))


def knn_relevance(
    queries: torch.Tensor, database: torch.Tensor, k: int, chunk: int = 1024
) -> Callable[[slice], torch.Tensor]:
    """Relevance = the ``k`` Euclidean nearest database items of each query.

    >>> rel = knn_relevance(torch.tensor([[0.0]]), torch.tensor([[5.0], [1.0], [2.0]]), 2)
    >>> rel(slice(0, 1)).tolist()
    [[False, True, True]]
    """
    k = min(k, database.shape[0])
    relevance = torch.zeros((queries.shape[0], database.shape[0]), dtype=torch.bool)
    for start in range(0, queries.shape[0], chunk):
        dist = torch.cdist(queries[start : start + chunk].double(), database.double())
        nearest = dist.topk(k, largest=False).indices
        relevance[start : start + chunk].scatter_(1, nearest, True)
    return lambda rows: relevance[rows]


def ranking_map(
    query_codes: torch.Tensor,
    db_codes: torch.Tensor,
    relevant: Callable[[slice], torch.Tensor],
    chunk: int = 128,
    exclude_self: bool = False,
) -> float:
    """Standard mAP of +-1 codes by Hamming ranking, ties in database order (stable sort).

    :func:`hashlearn.metrics.mean_average_precision` with ``preset="standard"``
    on the packed codes (bit 1 where >= 0). ``relevant(rows)`` gives the bool
    relevance of the query ``rows`` to every database item: a
    :class:`LabelRelevance` hands its labels to the metric, any other callable
    is read ``chunk`` query rows at a time into a relevance matrix. Queries
    with no relevant item score 0, and so does everything when there is
    nothing to rank. ``exclude_self``: the queries are the database, and each
    query leaves itself out. This is the early-stopping score only;
    evaluation uses :mod:`hashlearn.metrics`.

    >>> q = torch.tensor([[1.0, 1.0]]); db = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])
    >>> ranking_map(q, db, lambda rows: torch.tensor([[False, True]]))
    1.0
    >>> ranking_map(db, db, lambda rows: torch.ones(2, 2, dtype=torch.bool), exclude_self=True)
    1.0
    """
    n_queries, n_bits = query_codes.shape
    if n_queries == 0 or db_codes.shape[0] <= int(exclude_self):
        return 0.0
    q, db = (pack_bits(binarize(codes.detach().cpu().numpy())) for codes in (query_codes, db_codes))
    truth = _ground_truth(relevant, n_queries, chunk)
    with torch_threads_kept():  # numba's first parallel run would reset torch's threads
        return mean_average_precision(
            q, db, n_bits=n_bits, preset="standard", exclude_self=exclude_self, **truth
        )


def _ground_truth(relevant: Callable[[slice], torch.Tensor], n_queries: int, chunk: int) -> dict:
    """The relevance arguments of :func:`hashlearn.metrics.mean_average_precision`."""
    if isinstance(relevant, LabelRelevance):
        return {"query_labels": relevant.query_labels, "db_labels": relevant.db_labels}
    rows = [relevant(slice(lo, lo + chunk)).numpy() for lo in range(0, n_queries, chunk)]
    return {"relevance": np.concatenate(rows)}


@dataclass(frozen=True)
class LabelRelevance:
    """Relevance by labels: same class (1-D) or at least one shared label (2-D 0/1).

    >>> LabelRelevance(np.array([0, 1]), np.array([1, 1, 0]))(slice(0, 1)).tolist()
    [[False, False, True]]
    """

    query_labels: np.ndarray
    db_labels: np.ndarray

    def __call__(self, rows: slice) -> torch.Tensor:
        """The bool relevance of the query ``rows`` to every database item."""
        q, db = torch.as_tensor(self.query_labels[rows]), torch.as_tensor(self.db_labels)
        if q.ndim == 1:
            return q[:, None] == db[None, :]
        return (q.double() @ db.double().T) > 0


def label_relevance(query_labels: np.ndarray, db_labels: np.ndarray) -> LabelRelevance:
    """Relevance by labels, for :func:`ranking_map` (see :class:`LabelRelevance`)."""
    return LabelRelevance(np.asarray(query_labels), np.asarray(db_labels))


def map_scorer(
    encode: Callable[[torch.Tensor], torch.Tensor],
    X_db: torch.Tensor,
    X_val: torch.Tensor,
    relevant: Callable[[slice], torch.Tensor],
    exclude_self: bool = False,
) -> Callable[[], float]:
    """A scorer: validation queries vs a database (the training rows, or the
    validation rows themselves with ``exclude_self``), :func:`ranking_map`."""

    def score() -> float:
        with torch.no_grad():
            q, db = (torch.where(encode(Z) >= 0, 1.0, -1.0) for Z in (X_val, X_db))
        return ranking_map(q, db, relevant, exclude_self=exclude_self)

    return score
