"""Validation split carved from the training data and the early-stopping score (mAP)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch


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

    ``relevant(rows)`` gives the bool relevance of the query ``rows`` to every
    database item; queries with no relevant item score 0. ``exclude_self``:
    the queries are the database, and each query leaves itself out (moved last,
    not relevant). This is the early-stopping score only; evaluation uses
    :mod:`hashlearn.metrics`.

    >>> q = torch.tensor([[1.0, 1.0]]); db = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])
    >>> ranking_map(q, db, lambda rows: torch.tensor([[False, True]]))
    1.0
    >>> ranking_map(db, db, lambda rows: torch.ones(2, 2, dtype=torch.bool), exclude_self=True)
    1.0
    """
    total = 0.0
    ranks = torch.arange(1, db_codes.shape[0] + 1, dtype=torch.float64)
    for start in range(0, query_codes.shape[0], chunk):
        rows = slice(start, start + chunk)
        distance = -(query_codes[rows].double() @ db_codes.double().T)
        relevance = relevant(rows).double()
        if exclude_self:
            own = torch.arange(distance.shape[0])
            distance[own, own + start] = math.inf
            relevance[own, own + start] = 0.0
        order = torch.sort(distance, dim=1, stable=True).indices
        rel = torch.gather(relevance, 1, order)
        hits = rel.sum(1)
        precision_sum = (rel * rel.cumsum(1) / ranks).sum(1)
        total += float(torch.where(hits > 0, precision_sum / hits.clamp_min(1), 0.0).sum())
    return total / max(1, query_codes.shape[0])


def label_relevance(query_labels: np.ndarray, db_labels: np.ndarray) -> Callable:
    """Relevance by labels: same class (1-D) or at least one shared label (2-D 0/1)."""
    q, db = torch.as_tensor(query_labels), torch.as_tensor(db_labels)
    if q.ndim == 1:
        return lambda rows: q[rows, None] == db[None, :]
    return lambda rows: (q[rows].double() @ db.double().T) > 0


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
